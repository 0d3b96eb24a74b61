using OrtAgent.Runtime;
using OrtAgent.Serving.Tls;

namespace OrtAgent.Serving;

/// <summary>
/// Everything <see cref="InferenceServer.BuildAsync"/> needs: where the model is, where to listen, how to batch, who may
/// call, and how large a request may be. Validated once, before the model is loaded.
/// </summary>
public sealed class ServingOptions
{
    /// <summary>Directory holding an exported <c>model.onnx</c> and its <c>vocab.txt</c>. Required.</summary>
    public string ModelDirectory { get; init; } = "";

    /// <summary>
    /// Addresses Kestrel listens on, http or https (both may be given: plain http on loopback for a local health check,
    /// https for the network); port 0 picks a free port (read it back from the started app's <c>Urls</c>). An https
    /// address needs <see cref="Certificate"/>.
    /// </summary>
    public IReadOnlyList<string> Urls { get; init; } = ["http://127.0.0.1:8080"];

    /// <summary>
    /// The certificate the https addresses of <see cref="Urls"/> present, read again when its files change; null, the
    /// default, for a server on http alone. Given, at least one address must be https.
    /// </summary>
    public ServerCertificateOptions? Certificate { get; init; }

    /// <summary>Most texts the batcher sends to the model in one run. 1 turns batching off: each request runs alone.</summary>
    public int MaxBatch { get; init; } = 32;

    /// <summary>How long the batcher waits, after the first text of a batch is queued, for more texts to join it.</summary>
    public int MaxWaitMs { get; init; } = 5;

    /// <summary>
    /// Full bearer keys: accepted on every endpoint (<c>/health</c> needs none), none beginning or ending with whitespace.
    /// With neither these nor <see cref="InferenceApiKeys"/>: no authentication.
    /// </summary>
    public IReadOnlyList<string> ApiKeys { get; init; } = [];

    /// <summary>
    /// Inference bearer keys, for an app that only classifies: they reach <c>/predict</c>, <c>/explain</c>, <c>/info</c>,
    /// <c>/metrics</c>, chat completions, reading <c>/v1/models</c>, and on <c>/mcp</c> the tools that list models,
    /// classify and explain; files, fine-tuning jobs, deleting models and reload answer them 403. None may also be one
    /// of <see cref="ApiKeys"/>. Given without full keys, those routes are refused to every caller.
    /// </summary>
    public IReadOnlyList<string> InferenceApiKeys { get; init; } = [];

    /// <summary>Whether a request needs a key: any full or inference key is configured.</summary>
    public bool RequiresApiKey => ApiKeys.Count > 0 || InferenceApiKeys.Count > 0;

    /// <summary>
    /// Origins of other sites (<c>http://localhost:5173</c>, <c>https://app.example.com</c>) whose pages may call the
    /// server from their visitors' browsers: they pass the Origin check and get CORS headers. Empty: only the server's
    /// own pages. <c>*</c>, alone, admits every site's pages and needs <see cref="ApiKeys"/>, so that only a page given
    /// a key can do anything.
    /// </summary>
    public IReadOnlyList<string> AllowedOrigins { get; init; } = [];

    /// <summary>
    /// Lets <c>POST /admin/reload</c> run without a key when no <see cref="ApiKeys"/> are configured. Off by default
    /// so that an open server cannot be made to reload by anyone who can reach it.
    /// </summary>
    public bool AllowUnauthenticatedReload { get; init; }

    /// <summary>
    /// Most connections open at once (<c>--max-connections</c>); Kestrel closes one more the moment it is accepted,
    /// without an answer. Each open connection holds a file descriptor and buffers, so a client opening thousands
    /// could otherwise exhaust the process's descriptors for everyone. Null, the default: no limit but the process's.
    /// </summary>
    public long? MaxConnections { get; init; }

    /// <summary>
    /// Whether each line of <c>ortagent serve</c>'s log starts with its UTC time (ISO 8601, milliseconds): an operator
    /// reading a log file must tell when a reload or an error happened. Off for a log that stamps lines itself (journald).
    /// </summary>
    public bool LogTimestamps { get; init; } = true;

    /// <summary>
    /// Whether the server logs at all (to stdout): false runs it without a log, for a process started with its stdout
    /// closed (<c>&gt;&amp;-</c>), where every line would fail.
    /// </summary>
    public bool Log { get; init; } = true;

    /// <summary>
    /// Largest request body accepted, in bytes (<c>--max-body-bytes</c>); larger bodies get 413. Null, the default: as
    /// large as the other limits need (<see cref="BodyLimitBytes"/>). Smaller than that, a request within
    /// <see cref="MaxInputsPerRequest"/> and <see cref="MaxCharsPerInput"/> may still be refused for its size.
    /// </summary>
    public long? MaxBodyBytes { get; init; }

    /// <summary>The least <see cref="BodyLimitBytes"/> derives: what every request took before the limit was derived, which a job's inline training data or a chat may need.</summary>
    public const long MinDerivedBodyBytes = 1 << 20;

    // The rest of a request around its texts: the other fields of /predict or /explain, a JSON-RPC envelope on /mcp.
    private const long BodyHeadroomBytes = 64 * 1024;

    // The longest a character (a code point, as MaxCharsPerInput counts) can be written in JSON: an emoji as two \u
    // escapes, as a client that writes ASCII only (Python's json.dumps) sends it.
    private const long MostJsonBytesPerCharacter = 12;

    /// <summary>
    /// The request body limit in force: <see cref="MaxBodyBytes"/> when given, else room for <see cref="MaxInputsPerRequest"/>
    /// texts of <see cref="MaxCharsPerInput"/> characters each, every character written the longest way JSON can (12
    /// bytes), plus 64 KiB for the rest of the request, and at least <see cref="MinDerivedBodyBytes"/>; so a request the
    /// other limits and the MCP tools' schemas allow is never refused for its size. A fixed 1 MiB refused 64 texts of
    /// 20,000 characters, the defaults.
    /// </summary>
    public long BodyLimitBytes => MaxBodyBytes ?? DerivedBodyLimit(MaxInputsPerRequest, MaxCharsPerInput);

    private static long DerivedBodyLimit(int maxInputs, int maxChars)
    {
        // Quotes and a comma around each text.
        var needed = (Int128)Math.Max(maxInputs, 0) * ((Int128)Math.Max(maxChars, 0) * MostJsonBytesPerCharacter + 3) + BodyHeadroomBytes;
        return (long)Int128.Clamp(needed, MinDerivedBodyBytes, long.MaxValue);
    }

    /// <summary>
    /// Most texts waiting for one model's batches, from <c>/predict</c>, chat completions and MCP <c>classify_text</c>
    /// together; a request that would take the queue past it gets 429 with <c>Retry-After: 1</c> (a tool call, a tool
    /// error saying the server is busy), unless the queue is empty. The default, 4096, is about 12 seconds of work at the
    /// 356 short texts a second the load test measured for minilm on two cores.
    /// </summary>
    public int MaxQueuedTexts { get; init; } = 4096;

    /// <summary>Most texts one <c>/predict</c> request may carry; more get 413.</summary>
    public int MaxInputsPerRequest { get; init; } = 64;

    /// <summary>Most texts one <c>/explain</c> request may carry (each costs about <c>steps</c> forward and backward passes); more get 413.</summary>
    public int MaxExplainInputsPerRequest { get; init; } = 8;

    /// <summary>
    /// Most explanations running or waiting at once, <c>/explain</c> requests and MCP <c>explain_text</c> calls together;
    /// they run one at a time (each holds about a gigabyte of activations), and a request beyond these gets 429 with
    /// <c>Retry-After</c> (a tool call, a tool error saying the server is busy).
    /// </summary>
    public int MaxExplanationsInFlight { get; init; } = 8;

    /// <summary>Most path points one <c>/explain</c> request may ask for; more get 422.</summary>
    public int MaxExplainSteps { get; init; } = 256;

    /// <summary>Longest text accepted, in characters; longer texts get 422 (the model would truncate them anyway).</summary>
    public int MaxCharsPerInput { get; init; } = 20_000;

    /// <summary>Device, threads and sequence length for the classifier; each reload uses the same settings.</summary>
    public TextClassifierOptions Classifier { get; init; } = new();

    /// <summary>How long shutdown waits for requests in flight and queued texts before giving up.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Checks every value; the first that cannot work is an <see cref="InvalidOptionException"/> naming its property.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ModelDirectory)) throw Invalid(nameof(ModelDirectory), ModelDirectory, "a model directory is required");
        ValidateLimits();
    }

    /// <summary>Checks everything but the model directory (the fine-tuning service serves many models).</summary>
    public void ValidateLimits()
    {
        if (Urls.Count == 0) throw Invalid(nameof(Urls), "", "at least one URL to listen on is required");
        ValidateCertificate();
        if (MaxBatch < 1) throw Invalid(nameof(MaxBatch), MaxBatch, "must be at least 1");
        if (MaxWaitMs < 0) throw Invalid(nameof(MaxWaitMs), MaxWaitMs, "must not be negative");
        if (MaxConnections < 1) throw Invalid(nameof(MaxConnections), MaxConnections, "must be at least 1");
        if (MaxBodyBytes < 16) throw Invalid(nameof(MaxBodyBytes), MaxBodyBytes, "must be at least 16");
        if (MaxInputsPerRequest < 1) throw Invalid(nameof(MaxInputsPerRequest), MaxInputsPerRequest, "must be at least 1");
        if (MaxQueuedTexts < 1) throw Invalid(nameof(MaxQueuedTexts), MaxQueuedTexts, "must be at least 1");
        if (MaxExplainInputsPerRequest < 1) throw Invalid(nameof(MaxExplainInputsPerRequest), MaxExplainInputsPerRequest, "must be at least 1");
        if (MaxExplanationsInFlight < 1) throw Invalid(nameof(MaxExplanationsInFlight), MaxExplanationsInFlight, "must be at least 1");
        if (MaxExplainSteps is < 1 or > Runtime.Explanations.ExplainOptions.MaxSteps)
            throw Invalid(nameof(MaxExplainSteps), MaxExplainSteps, $"must be between 1 and {Runtime.Explanations.ExplainOptions.MaxSteps}");
        if (MaxCharsPerInput < 1) throw Invalid(nameof(MaxCharsPerInput), MaxCharsPerInput, "must be at least 1");
        ValidateKeys(nameof(ApiKeys), ApiKeys);
        ValidateKeys(nameof(InferenceApiKeys), InferenceApiKeys);
        // A key in both lists would be a full key, though its holder (and whoever gave it out) took it for an inference key.
        var full = ApiKeys.ToHashSet(StringComparer.Ordinal);
        int both = InferenceApiKeys.ToList().FindIndex(full.Contains);
        if (both >= 0)
            throw Invalid(nameof(InferenceApiKeys), $"key {both + 1} of {InferenceApiKeys.Count}, not shown",
                "is also a full API key; give each key once, as a full key or as an inference key");
        ValidateAllowedOrigins();
    }

    /// <summary>An https address needs a certificate, and a certificate an https address to present it on (else it was given for nothing).</summary>
    private void ValidateCertificate()
    {
        var https = Urls.Where(IsHttps).ToList();
        if (Certificate is null)
        {
            if (https.Count > 0)
                throw Invalid(nameof(Urls), https[0], $"https needs a certificate: give {ServerCertificateOptions.Name(nameof(ServerCertificateOptions.CertificateFile))} "
                    + $"(with {ServerCertificateOptions.Name(nameof(ServerCertificateOptions.KeyFile))}, or a PKCS#12 file), or listen on http");
            return;
        }
        Certificate.Validate();
        if (https.Count == 0)
            throw Invalid(nameof(Certificate), Certificate.CertificateFile,
                $"no address in {InvalidOptionException.Name<ServingOptions>(nameof(Urls))} is https, so no connection would use it; give an https address (https://0.0.0.0:8443), or leave the certificate out");
    }

    private static bool IsHttps(string url) => url.StartsWith("https://", StringComparison.OrdinalIgnoreCase);

    private static void ValidateKeys(string property, IReadOnlyList<string> keys)
    {
        if (keys.FirstOrDefault(string.IsNullOrWhiteSpace) is { } empty) throw Invalid(property, empty, "API keys must not be empty");
        // The key a request presents is trimmed, so a key that begins or ends with whitespace could never match: refused,
        // not trimmed, since its holder presents it as it is (and may hold it in a file that trims differently). The
        // message says which key, never the key.
        int padded = keys.ToList().FindIndex(key => key.Length != key.AsSpan().Trim().Length);
        if (padded >= 0)
            throw Invalid(property, $"key {padded + 1} of {keys.Count}, not shown",
                "begins or ends with whitespace, and the key a request presents is trimmed, so it could never match; give it without the whitespace");
    }

    private void ValidateAllowedOrigins()
    {
        foreach (var origin in AllowedOrigins)
            if (CrossOriginPolicy.Problem(origin) is { } problem) throw Invalid(nameof(AllowedOrigins), origin, problem);
        if (!AllowedOrigins.Contains(CrossOriginPolicy.Any)) return;
        if (AllowedOrigins.Count > 1)
            throw Invalid(nameof(AllowedOrigins), CrossOriginPolicy.Any, "already admits every origin; give it alone, or name the origins instead");
        // Without keys, every page its visitors open could drive the server: what the Origin check is there to stop.
        if (!RequiresApiKey)
            throw Invalid(nameof(AllowedOrigins), CrossOriginPolicy.Any, $"lets the pages of every site call the server, so it needs API keys, {InvalidOptionException.Name<ServingOptions>(nameof(ApiKeys))} or {InvalidOptionException.Name<ServingOptions>(nameof(InferenceApiKeys))} (a page without a key can then do nothing); or name the origins instead");
    }

    private static InvalidOptionException Invalid(string property, object value, string problem) =>
        new(InvalidOptionException.Name<ServingOptions>(property), value, problem);
}
