namespace OrtAgent.FineTuningService.Jobs;

/// <summary>What the queue made of a cancel or pause.</summary>
internal enum StopAnswer
{
    /// <summary>Recorded, or reached the job's training (which records it at its next optimizer step).</summary>
    Stopped,

    /// <summary>The job can no longer be stopped so (it finished, its runner had recorded how it ended, or a pause found it paused or cancelled).</summary>
    NotStoppable,

    /// <summary>A pause found the job past its last optimizer step: it is finishing (evaluation, export), which ends the job.</summary>
    Finishing,

    /// <summary>A cancel found an earlier cancel of the job still waiting for the job's training to stop.</summary>
    AlreadyAsked,
}
