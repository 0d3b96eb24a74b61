namespace OrtAgent.Training.Distillation;

/// <summary>
/// Which teacher layers a student keeps. Rule: the teacher's <c>L</c> layers are cut into <c>N</c> consecutive blocks
/// of <c>L/N</c> layers (as even as integers allow) and the student keeps the last layer of each block, layer
/// <c>⌊(j+1)·L/N⌋ − 1</c> for <c>j = 0 … N−1</c>: 6 → 3 keeps 1, 3, 5; 6 → 2 keeps 2, 5; 12 → 6 keeps 1, 3, 5, 7, 9, 11.
/// </summary>
/// <remarks>
/// Why the last of each block: the last teacher layer is always kept, so the classifier head, which was trained on
/// that layer's output, starts out reading the representation it knows; and each kept layer is the one whose output
/// its block handed on, so the student starts as the teacher with the inner layers of each block skipped. The
/// alternative that also keeps layer 0 (6 → 3: 0, 2, 5) spaces unevenly at one end for no such reason.
/// </remarks>
public static class LayerSelection
{
    /// <summary>The kept teacher layers, ascending; student layer <c>j</c> is teacher layer <c>result[j]</c>.</summary>
    /// <exception cref="InvalidOptionException"><paramref name="studentLayers"/> is below 1 or not below <paramref name="teacherLayers"/>.</exception>
    public static IReadOnlyList<int> EvenlySpaced(int teacherLayers, int studentLayers)
    {
        if (studentLayers < 1 || studentLayers >= teacherLayers)
            throw new InvalidOptionException(InvalidOptionException.Name<DistillationOptions>(nameof(DistillationOptions.Layers)), studentLayers,
                teacherLayers == 1
                    ? "the teacher has one layer, so there is no layer to cut; distil a teacher of two or more layers"
                    : $"must be at least 1 and below the teacher's {teacherLayers} layers");
        return Enumerable.Range(0, studentLayers).Select(j => (int)((long)(j + 1) * teacherLayers / studentLayers) - 1).ToArray();
    }
}
