namespace OrtAgent.Data;

/// <summary>
/// The sample data set shipped with the tool: about 300 short product, film and restaurant reviews
/// labelled <c>positive</c> or <c>negative</c> (<c>data/reviews.csv</c> in the repository, copied next to
/// the executable), used when the user names no data file.
/// </summary>
public static class DefaultDataset
{
    /// <summary>The full path of the shipped <c>reviews.csv</c>.</summary>
    public static string FilePath { get; } = Path.Combine(AppContext.BaseDirectory, "data", "reviews.csv");
}
