using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using OrtAgent.Serving;
using OrtAgent.FineTuningService.Jobs;
using OrtAgent.FineTuningService.Store;

namespace OrtAgent.FineTuningService.Api;

/// <summary><c>/v1/files</c>: upload (multipart <c>file</c> + <c>purpose</c>), list, get, download and delete.</summary>
internal sealed class FilesEndpoints(FineTuningStore store, StoredFiles files, FineTuningServiceOptions options)
{
    // OpenAI's files list returns up to 10,000 files unless asked for fewer, and the .NET library's GetFiles asks for
    // no limit and reads one page: a default of 20 would hide every older file from it.
    private const int MaxListed = 10_000;

    // The purposes of OpenAI's files API, which its list filters on.
    private static readonly string[] OpenAIPurposes =
        ["assistants", "assistants_output", "batch", "batch_output", "fine-tune", "fine-tune-results", "vision", "user_data", "evals"];

    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPost("/v1/files", OpenAIErrorEnvelope.Handle(UploadAsync));
        // OpenAI's files list takes after, limit, order and purpose; its other file routes no query.
        routes.MapGetAndHead("/v1/files", OpenAIErrorEnvelope.Handle(ListAsync, "after", "limit", "order", "purpose"));
        routes.MapGetAndHead("/v1/files/{id}", OpenAIErrorEnvelope.Handle(GetAsync));
        routes.MapGetAndHead("/v1/files/{id}/content", OpenAIErrorEnvelope.Handle(ContentAsync));
        routes.MapDelete("/v1/files/{id}", OpenAIErrorEnvelope.Handle(DeleteAsync));
    }

    // The multipart form is read section by section, the file's bytes streamed straight into the store: buffering the
    // form (ReadFormAsync) would first copy a large upload to a temporary file outside the store, doubling the disk it
    // needs and leaving that copy behind when the process is killed.
    private async Task UploadAsync(HttpContext context)
    {
        if (!MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var contentType)
            || !contentType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            throw OpenAIApiException.BadRequest("upload a file as multipart/form-data with a 'file' part and a 'purpose' field", "file", "unsupported_media_type");
        // A compressed form was read as a malformed one ("ends before its closing boundary"), which misled.
        if (Serving.ContentEncodingCheck.Problem(context.Request) is { } encoded) throw OpenAIApiException.BadRequest(encoded, "file", "unsupported_media_type");
        string boundary = HeaderUtilities.RemoveQuotes(contentType.Boundary).ToString();
        if (boundary.Length == 0) throw OpenAIApiException.BadRequest("the multipart/form-data content type has no boundary", "file", OpenAIApiException.InvalidMultipart);
        // The serving limit keeps /predict bodies small; an upload may be as large as the upload limit (plus the form's framing).
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = options.MaxUploadBytes + 64 * 1024;

        var reader = new MultipartReader(boundary, context.Request.Body) { BodyLengthLimit = options.MaxUploadBytes + 1 };
        ReceivedFile? received = null;
        string? purpose = null;
        try
        {
            while (await NextSectionAsync(reader, context.RequestAborted) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)) continue;
                string name = HeaderUtilities.RemoveQuotes(disposition.Name).ToString();
                if (name == "purpose" && !disposition.IsFileDisposition())
                {
                    if (purpose is not null) throw OpenAIApiException.BadRequest("the form gives 'purpose' twice; give it once", "purpose", "invalid_value");
                    purpose = await ReadFieldAsync(section.Body, "purpose", context.RequestAborted);
                }
                else if (name == "file" && !disposition.IsFileDisposition())
                {
                    // curl's -F 'file=<train.jsonl' sends the file's text as a plain field, with no file name.
                    throw OpenAIApiException.BadRequest(
                        "the form's 'file' is a plain field, not a file upload: send it as a file part with a file name (curl -F 'file=@train.jsonl', with '@', not '<')", "file", JsonFields.InvalidType);
                }
                else if (name == "purpose")
                {
                    // curl's -F 'purpose=@fine-tune.txt' sends it as a file: it was answered "the form has no 'purpose' field".
                    throw OpenAIApiException.BadRequest(
                        "the form's 'purpose' is a file upload, not a plain field: send it as a field (curl -F purpose=fine-tune, without '@')", "purpose", JsonFields.InvalidType);
                }
                else if (name == "file" && disposition.IsFileDisposition())
                {
                    if (received is not null) throw OpenAIApiException.BadRequest("the form has more than one 'file' part", "file", "invalid_value");
                    if (!string.IsNullOrEmpty(purpose)) StoredFiles.CheckPurpose(purpose);  // before receiving the bytes, when it can
                    received = await files.ReceiveAsync(section.Body, FormFileName.Of(disposition), context.RequestAborted);
                }
                else if (name is not ("file" or "purpose"))
                    throw UnreadFormField(name);
            }
            if (received is null) throw OpenAIApiException.BadRequest("the form has no 'file' part", "file", OpenAIApiException.MissingRequiredParameter);
            if (purpose is null) throw OpenAIApiException.BadRequest("the form has no 'purpose' field", "purpose", OpenAIApiException.MissingRequiredParameter);
            if (purpose.Length == 0) throw OpenAIApiException.BadRequest("the form's 'purpose' field is empty; give 'fine-tune'", "purpose", "invalid_value");
            var file = files.Keep(received, purpose);
            await context.Response.WriteAsJsonAsync(FileObject.From(file), OpenAIJson.Options);
        }
        // Kestrel's limit on the whole form, or the reader's on the file part: either way the file is over its limit.
        catch (Exception ex) when (ex is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } || LimitIn(ex) == FormLimit.Body)
        {
            throw StoredFiles.FileTooLarge(options.MaxUploadBytes);
        }
        finally
        {
            received?.Dispose();
        }
    }

    /// <summary>
    /// The form's next part. Headers beyond the reader's limit (16 KB) are a 400 about the file name, the one header a
    /// client fills with what it was given; without this they were a 413 "file too large" for a file of a few bytes.
    /// </summary>
    private static async Task<MultipartSection?> NextSectionAsync(MultipartReader reader, CancellationToken cancellationToken)
    {
        try
        {
            return await StoredFiles.ReadUploadAsync(() => reader.ReadNextSectionAsync(cancellationToken), cancellationToken);
        }
        catch (InvalidDataException ex) when (LimitIn(ex) == FormLimit.Headers)
        {
            throw OpenAIApiException.BadRequest(
                $"a part of the form has headers over {reader.HeadersLengthLimit} bytes: a file name is at most {StoredFiles.MaxFileNameBytes} UTF-8 bytes",
                "file", "invalid_file_name");
        }
    }

    private enum FormLimit { Headers, Body }

    /// <summary>
    /// Which of the multipart reader's limits <paramref name="exception"/> reports, if any. The reader says only in its
    /// message: "Line length limit N exceeded" for one long header, "Multipart headers length limit N exceeded" for
    /// many, "Multipart body length limit N exceeded" for a part's body.
    /// </summary>
    private static FormLimit? LimitIn(Exception exception) =>
        exception is not InvalidDataException { Message: var message } ? null
        : message.StartsWith("Line length limit", StringComparison.Ordinal) || message.Contains("headers length limit", StringComparison.Ordinal) ? FormLimit.Headers
        : message.Contains("length limit", StringComparison.OrdinalIgnoreCase) ? FormLimit.Body
        : null;

    /// <summary>
    /// A form field the upload does not read, refused rather than ignored, as a job's unknown field is. OpenAI's
    /// <c>expires_after</c> (<c>expires_after[seconds]</c> in a form) asks for the file to be deleted later: ignored, the
    /// data would stay in the store for good while its sender counted on it going.
    /// </summary>
    private static OpenAIApiException UnreadFormField(string name) => name.StartsWith("expires_after", StringComparison.Ordinal)
        ? OpenAIApiException.BadRequest(
            $"{PrintableText.Quote(name)} is not supported: this service keeps a file until it is deleted (DELETE /v1/files/{{id}}), and its files do not expire",
            "expires_after", "unsupported_parameter")
        : OpenAIApiException.BadRequest($"unrecognized form field {PrintableText.Quote(name)}; an upload takes: file, purpose", name, "unknown_parameter");

    // A form field is a short value; one longer than this is not a purpose.
    private const int MaxFieldChars = 1024;

    private static async Task<string> ReadFieldAsync(Stream body, string name, CancellationToken cancellationToken)
    {
        // The section reader drains the body before the next section, so it is left open.
        using var reader = new StreamReader(body, System.Text.Encoding.UTF8, leaveOpen: true);
        var buffer = new char[MaxFieldChars + 1];
        int read = await StoredFiles.ReadUploadAsync(() => reader.ReadBlockAsync(buffer, cancellationToken).AsTask(), cancellationToken);
        if (read > MaxFieldChars) throw OpenAIApiException.BadRequest($"the form's '{name}' field is longer than {MaxFieldChars} characters", name, "string_above_max_length");
        return new string(buffer, 0, read);
    }

    private Task ListAsync(HttpContext context)
    {
        var query = context.Request.Query;
        string? purpose = query["purpose"].FirstOrDefault();
        // A purpose OpenAI does not have is a mistake (a misspelt "fine_tune" listed nothing); one of its others lists
        // what this service keeps of it, which may be nothing.
        if (purpose is not null && !OpenAIPurposes.Contains(purpose, StringComparer.Ordinal))
            throw OpenAIApiException.BadRequest($"purpose {PrintableText.Quote(purpose)} is not one of OpenAI's file purposes: {string.Join(", ", OpenAIPurposes)}", "purpose", "invalid_purpose");
        var page = FineTuningJobs.ToList(store.ListFiles(purpose, Query.After(context), Query.Limit(context, MaxListed, missing: MaxListed), Query.OldestFirst(context)),
            FileObject.From, f => f.Id, "file");
        return context.Response.WriteAsJsonAsync(page, OpenAIJson.Options);
    }

    private Task GetAsync(HttpContext context) =>
        context.Response.WriteAsJsonAsync(FileObject.From(File(context)), OpenAIJson.Options);

    private async Task ContentAsync(HttpContext context)
    {
        var file = File(context);
        context.Response.ContentType = "application/octet-stream";
        // A name beyond ASCII (café.jsonl) cannot stand in a header as it is: RFC 6266 gives it as filename*, UTF-8,
        // with an ASCII stand-in as filename.
        var disposition = new ContentDispositionHeaderValue("attachment");
        disposition.SetHttpFileName(file.Filename);
        context.Response.Headers.ContentDisposition = disposition.ToString();
        // The length of what is sent, read from the file: a client sizes its download by it, and a HEAD, which reads
        // nothing more, has its answer there. A HEAD read the whole file (up to the upload limit) for Kestrel to drop.
        context.Response.ContentLength = StoredLength(file);
        if (HttpMethods.IsHead(context.Request.Method)) return;
        await context.Response.SendFileAsync(file.Path, context.RequestAborted);
    }

    /// <summary>The length of the file's stored bytes.</summary>
    /// <exception cref="OpenAIApiException">404 when the bytes are gone while the file is listed: a delete on a full disk
    /// removed them and could not record it (the content was a 500, FileNotFoundException).</exception>
    private static long StoredLength(StoredFile file)
    {
        try
        {
            return new FileInfo(file.Path).Length;
        }
        catch (FileNotFoundException)
        {
            throw OpenAIApiException.NotFound(
                $"file '{file.Id}' has no content: its bytes are gone from the server (a delete that found the disk full removes them first), though it is still listed; send DELETE /v1/files/{file.Id} to remove it",
                "file_id", "file_not_found");
        }
    }

    private Task DeleteAsync(HttpContext context)
    {
        var file = File(context);
        files.Delete(file);
        return context.Response.WriteAsJsonAsync(new { id = file.Id, @object = "file", deleted = true }, OpenAIJson.Options);
    }

    private StoredFile File(HttpContext context) => files.Get((string)context.Request.RouteValues["id"]!);
}
