namespace OrtAgent.FineTuningService.Store;

/// <summary>Why a job failed, in OpenAI's <c>{code, message, param}</c> shape.</summary>
internal sealed record JobError(string Code, string Message, string? Param);
