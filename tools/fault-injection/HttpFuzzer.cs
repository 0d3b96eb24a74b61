using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace OrtAgent.FaultInjection;

/// <summary>
/// Sends seeded random and mutated requests (methods, paths, bodies, encodings, headers) to an OrtAgent server and checks
/// the service's promises on every answer: never a 5xx, a JSON <c>{"error", "error_type"}</c> body on every 4xx, and
/// <c>/health</c> still answering at the end. Bounded by a request count and a time limit.
/// </summary>
public sealed class HttpFuzzer(HttpClient client, string apiKey, int seed)
{
    private const int ListedFailures = 20;
    private static readonly string[] Methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE", "FUZZ"];
    private static readonly string[] Paths =
        ["/predict", "/predict", "/predict", "/info", "/health", "/metrics", "/admin/reload", "/", "/predict/", "/PREDICT", "/predict?x=1",
         "/%2e%2e/predict", "/predict%00", "/nope", "/info/../predict", "/%ff", "/" + new string('a', 2000), "/metrics?name[]=%00"];
    private static readonly string[] Seeds =
        ["""{"inputs":"the movie was good"}""", """{"inputs":["good","bad",["great"]]}""", """{"inputs":"bad","raw_scores":true,"truncate":false}""",
         """{"inputs":[]}""", """{"inputs":""}""", """{"inputs":"   "}""", """{"inputs":"\ud83d"}""", """{"inputs":"\u0000"}""", """{"inputs":[["a","b"]]}""",
         """{"inputs":1e999}""", """[{"inputs":"x"}]""", "null", "{}", """{"inputs":"é ü 中文 😀"}"""];
    private static readonly string[] ContentTypes =
        ["application/json", "application/json; charset=utf-8", "text/plain", "application/json; charset=utf-16", "application/x-www-form-urlencoded",
         "multipart/form-data; boundary=x", "application/json; charset=nope", "*/*", "application/json; charset=latin1"];

    private readonly Random _random = new(seed);

    /// <summary>Sends up to <paramref name="maxRequests"/> requests, stopping early after <paramref name="maxTime"/>.</summary>
    public async Task<HttpFuzzReport> RunAsync(int maxRequests, TimeSpan maxTime, CancellationToken cancellationToken = default)
    {
        var statuses = new SortedDictionary<int, int>();
        var failures = new List<string>();
        int failureCount = 0, sent = 0, protocolRefusals = 0;
        var deadline = DateTime.UtcNow + maxTime;
        for (; sent < maxRequests && DateTime.UtcNow < deadline; sent++)
        {
            using var request = NextRequest(out var description);
            int status;
            string body;
            bool closed;
            try
            {
                using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
                status = (int)response.StatusCode;
                body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                // Kestrel answers a request line it cannot parse (a NUL in the path) itself, before any application code,
                // with an empty 400 and a closed connection; counted apart, since no middleware can give it a body.
                closed = response.Headers.ConnectionClose == true;
            }
            catch (HttpRequestException ex)
            {
                Fail($"{description}: no answer ({ex.Message})");
                continue;
            }
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            if (status >= 500) Fail($"{description}: {status} {Short(body)}");
            else if (status == 400 && body.Length == 0 && closed) protocolRefusals++;
            else if (status >= 400 && request.Method != HttpMethod.Head && !IsErrorBody(body)) Fail($"{description}: {status} without a JSON error body: {Short(body)}");
        }

        using (var health = await client.GetAsync("/health", cancellationToken).ConfigureAwait(false))
            if (!health.IsSuccessStatusCode) Fail($"GET /health after fuzzing: {(int)health.StatusCode}");
        return new HttpFuzzReport(sent, statuses, failures, failureCount) { ProtocolRefusals = protocolRefusals };

        void Fail(string line)
        {
            failureCount++;
            if (failures.Count < ListedFailures) failures.Add(line);
        }
    }

    private HttpRequestMessage NextRequest(out string description)
    {
        // Half the requests are the one that carries client bytes into the model, POST /predict; the rest roam.
        bool predict = _random.Next(2) == 0;
        var method = predict ? HttpMethod.Post : new HttpMethod(Pick(Methods));
        var path = predict ? "/predict" : Pick(Paths);
        var request = new HttpRequestMessage(method, path);
        byte[]? body = null;
        if (method != HttpMethod.Get && method != HttpMethod.Head && method != HttpMethod.Trace && _random.Next(10) > 0)
        {
            body = Mutate(Encoding.UTF8.GetBytes(Pick(Seeds)));
            var content = new ByteArrayContent(body);
            content.Headers.TryAddWithoutValidation("Content-Type", Pick(ContentTypes));
            if (_random.Next(8) == 0) content.Headers.TryAddWithoutValidation("Content-Encoding", Pick(["gzip", "br", "identity", "x-garbage"]));
            request.Content = content;
            if (_random.Next(6) == 0) request.Headers.TransferEncodingChunked = true;
        }
        switch (_random.Next(10))
        {
            case < 7: request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey); break;
            case 7: request.Headers.TryAddWithoutValidation("Authorization", Pick(["Bearer", "Bearer wrong", "Basic eDp5", "bearer " + apiKey + " ", "Bearer " + new string('k', 300)])); break;
        }
        if (_random.Next(5) == 0) request.Headers.TryAddWithoutValidation("Accept", Pick(["text/html", "application/xml", "*/*;q=0", "application/json;q=abc"]));
        if (_random.Next(8) == 0) request.Headers.TryAddWithoutValidation("X-" + _random.Next(1000), new string('x', _random.Next(1, 4000)));
        description = $"{method} {(path.Length > 60 ? path[..60] + "…" : path)} {(body is null ? "(no body)" : Short(Encoding.UTF8.GetString(body)))}";
        return request;
    }

    /// <summary>A seed body with zero to three mutations: flipped, inserted, deleted or repeated bytes, cut short, or nested deep.</summary>
    private byte[] Mutate(byte[] seed)
    {
        var bytes = new List<byte>(seed);
        int mutations = _random.Next(4);
        for (int m = 0; m < mutations && bytes.Count > 0; m++)
        {
            int at = _random.Next(bytes.Count);
            switch (_random.Next(7))
            {
                case 0: bytes[at] ^= (byte)(1 << _random.Next(8)); break;
                case 1: bytes.Insert(at, Pick<byte>([0x00, 0xFF, 0xC3, 0xED, 0x80, (byte)'"', (byte)'\\', (byte)'{', (byte)']'])); break;
                case 2: bytes.RemoveAt(at); break;
                case 3: bytes.RemoveRange(at, bytes.Count - at); break;
                case 4: bytes.InsertRange(at, bytes.GetRange(at, Math.Min(bytes.Count - at, 16))); break;
                case 5: bytes.InsertRange(at, Encoding.UTF8.GetBytes(Pick(["\\ud800", "\\udfff", "\\u0000", "\\uZZZZ", "\\", "\"", "1e400", "-0"]))); break;
                case 6 when _random.Next(20) == 0:
                    return Encoding.UTF8.GetBytes("{\"inputs\":\"" + new string('a', _random.Next(1_000, 60_000)) + "\"}");
                default:
                    int depth = _random.Next(2, 200);
                    return Encoding.UTF8.GetBytes("{\"inputs\":" + new string('[', depth) + "\"x\"" + new string(']', depth) + "}");
            }
        }
        return [.. bytes];
    }

    private static bool IsErrorBody(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String
                && json.RootElement.TryGetProperty("error_type", out var type) && type.ValueKind == JsonValueKind.String;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    private static string Short(string text) => text.Length > 80 ? text[..80] + "…" : text;
}
