namespace OrtAgent.Serving;

/// <summary>
/// A request the server refuses, carrying the HTTP status and the text-embeddings-inference style error body
/// (<c>{"error": ..., "error_type": ...}</c>) to answer with. Thrown while reading a request, turned into a response
/// in one place (<see cref="ServingEndpoints"/>).
/// </summary>
internal sealed class ApiErrorException : Exception
{
    public ApiErrorException(int statusCode, string errorType, string message) : base(message)
    {
        StatusCode = statusCode;
        ErrorType = errorType;
    }

    public int StatusCode { get; }

    /// <summary>Short machine-readable kind, e.g. <c>validation</c>, <c>empty</c>, <c>unauthorized</c>.</summary>
    public string ErrorType { get; }
}
