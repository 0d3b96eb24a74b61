using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OrtAgent.Serving;

namespace OrtAgent.FineTuningService.Api;

/// <summary><c>/v1/fine_tuning/jobs</c>: create, list, get, cancel, events and checkpoints; thin over <see cref="IFineTuningJobs"/>.</summary>
internal sealed class JobsEndpoints(IFineTuningJobs jobs)
{
    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPost("/v1/fine_tuning/jobs", OpenAIErrorEnvelope.Handle(CreateAsync));
        // OpenAI's queries: after, limit and metadata on the job list, after and limit on its events and checkpoints; none elsewhere.
        routes.MapGetAndHead("/v1/fine_tuning/jobs", OpenAIErrorEnvelope.Handle(context =>
            Write(context, jobs.List(Query.After(context), Query.Limit(context), Query.MetadataFilter(context))), "after", "limit", "metadata"));
        routes.MapGetAndHead("/v1/fine_tuning/jobs/{id}", OpenAIErrorEnvelope.Handle(context => Write(context, jobs.Get(Id(context)))));
        routes.MapPost("/v1/fine_tuning/jobs/{id}/cancel", OpenAIErrorEnvelope.Handle(async context => await Write(context, await jobs.CancelAsync(Id(context)))));
        routes.MapPost("/v1/fine_tuning/jobs/{id}/pause", OpenAIErrorEnvelope.Handle(async context => await Write(context, await jobs.PauseAsync(Id(context)))));
        routes.MapPost("/v1/fine_tuning/jobs/{id}/resume", OpenAIErrorEnvelope.Handle(context => Write(context, jobs.Resume(Id(context)))));
        routes.MapGetAndHead("/v1/fine_tuning/jobs/{id}/events", OpenAIErrorEnvelope.Handle(context =>
            Write(context, jobs.ListEvents(Id(context), Query.After(context), Query.Limit(context))), "after", "limit"));
        routes.MapGetAndHead("/v1/fine_tuning/jobs/{id}/checkpoints", OpenAIErrorEnvelope.Handle(context =>
            // OpenAI's checkpoint list gives 10 unless asked for more; its other lists give 20.
            Write(context, jobs.ListCheckpoints(Id(context), Query.After(context), Query.Limit(context, missing: 10))), "after", "limit"));
    }

    private async Task CreateAsync(HttpContext context)
    {
        using var body = await OpenAIErrorEnvelope.ReadJsonObjectAsync(context.Request);
        // Validation (files included) runs on a pool thread: a large training file takes a moment to read (about 3 s per
        // 64 MB), which a client that hung up no longer waits for, so the read stops with the request.
        var aborted = context.RequestAborted;
        var job = await Task.Run(() => jobs.Create(CreateJobRequestReader.Read(body.RootElement), aborted), aborted);
        await Write(context, job);
    }

    private static string Id(HttpContext context) => (string)context.Request.RouteValues["id"]!;

    private static Task Write<T>(HttpContext context, T value) => context.Response.WriteAsJsonAsync(value, OpenAIJson.Options);
}
