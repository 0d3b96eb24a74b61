using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using OrtAgent.FineTuningService.Jobs;
using OrtAgent.FineTuningService.Store;

namespace OrtAgent.FineTuningService.Api;

/// <summary><c>/v1/files</c>: upload (multipart <c>file</c> + <c>purpose</c>), list, get, download and delete.</summary>
internal sealed class FilesEndpoints(FineTuningStore store, StoredFiles files, FineTuningServiceOptions options)
{
    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPost("/v1/files", OpenAIErrorEnvelope.Handle(UploadAsync));
        routes.MapGet("/v1/files", OpenAIErrorEnvelope.Handle(ListAsync));
        routes.MapGet("/v1/files/{id}", OpenAIErrorEnvelope.Handle(GetAsync));
        routes.MapGet("/v1/files/{id}/content", OpenAIErrorEnvelope.Handle(ContentAsync));
        routes.MapDelete("/v1/files/{id}", OpenAIErrorEnvelope.Handle(DeleteAsync));
    }

    private async Task UploadAsync(HttpContext context)
    {
        if (!context.Request.HasFormContentType)
            throw OpenAIApiException.BadRequest("upload a file as multipart/form-data with a 'file' part and a 'purpose' field", "file");
        // The serving limit keeps /predict bodies small; an upload may be as large as the upload limit (plus the form's framing).
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = options.MaxUploadBytes + 64 * 1024;
        var form = await context.Request.ReadFormAsync(new FormOptions { MultipartBodyLengthLimit = options.MaxUploadBytes + 1 }, context.RequestAborted);
        var upload = form.Files.GetFile("file") ?? throw OpenAIApiException.BadRequest("the form has no 'file' part", "file");
        string purpose = form["purpose"].ToString();
        if (purpose.Length == 0) throw OpenAIApiException.BadRequest("the form has no 'purpose' field", "purpose");
        await using var content = upload.OpenReadStream();
        var file = await files.AddAsync(content, upload.FileName, purpose, context.RequestAborted);
        await context.Response.WriteAsJsonAsync(FileObject.From(file), OpenAIJson.Options);
    }

    private Task ListAsync(HttpContext context)
    {
        var query = context.Request.Query;
        string? purpose = query["purpose"].FirstOrDefault();
        var page = store.ListFiles(purpose, Query.After(context), Query.Limit(context, 10_000));
        return context.Response.WriteAsJsonAsync(FineTuningJobs.ToList(page, FileObject.From, f => f.Id), OpenAIJson.Options);
    }

    private Task GetAsync(HttpContext context) =>
        context.Response.WriteAsJsonAsync(FileObject.From(File(context)), OpenAIJson.Options);

    private async Task ContentAsync(HttpContext context)
    {
        var file = File(context);
        context.Response.ContentType = "application/octet-stream";
        context.Response.Headers.ContentDisposition = $"attachment; filename=\"{file.Filename}\"";
        await context.Response.SendFileAsync(file.Path, context.RequestAborted);
    }

    private Task DeleteAsync(HttpContext context)
    {
        var file = File(context);
        files.Delete(file);
        return context.Response.WriteAsJsonAsync(new { id = file.Id, @object = "file", deleted = true }, OpenAIJson.Options);
    }

    private StoredFile File(HttpContext context) => files.Get((string)context.Request.RouteValues["id"]!);
}
