using Prometheus;

namespace OrtAgent.Serving;

/// <summary>
/// The Prometheus metric families one server exports. Each server has its own registry, so several servers in one
/// process (tests, or a host serving two models) never mix their counts.
/// </summary>
internal sealed class ServingMetrics
{
    /// <param name="registry">The server's own registry.</param>
    /// <param name="batchesByModel">
    /// Whether <c>ortagent_batch_size</c> carries a <c>model</c> label: the fine-tuning service runs a batcher a model,
    /// and one histogram for all of them could not say which model's requests were coalesced. <c>serve</c>'s one model
    /// keeps the unlabelled series its dashboards read.
    /// </param>
    public ServingMetrics(CollectorRegistry registry, bool batchesByModel = false)
    {
        Registry = registry;
        var factory = Metrics.WithCustomRegistry(registry);
        Requests = factory.CreateCounter("ortagent_http_requests_total", "HTTP requests answered, by endpoint and status code.",
            new CounterConfiguration { LabelNames = ["endpoint", "status"] });
        RequestDuration = factory.CreateHistogram("ortagent_http_request_duration_seconds", "Time from request start to response end, by endpoint.",
            new HistogramConfiguration { LabelNames = ["endpoint"], Buckets = Histogram.ExponentialBuckets(0.0005, 2, 16) });
        BatchSize = factory.CreateHistogram("ortagent_batch_size", batchesByModel ? "Texts per batch sent to a model, by model." : "Texts per batch sent to the model.",
            new HistogramConfiguration { Buckets = [1, 2, 4, 8, 16, 32, 64, 128, 256], LabelNames = batchesByModel ? ["model"] : [] });
        QueueDepth = factory.CreateGauge("ortagent_queue_depth", "Texts waiting for the batcher (for all models' batchers on the fine-tuning service).");
        Reloads = factory.CreateCounter("ortagent_model_reloads_total", "Model reloads, by outcome.",
            new CounterConfiguration { LabelNames = ["outcome"] });
    }

    public CollectorRegistry Registry { get; }

    public Counter Requests { get; }

    public Histogram RequestDuration { get; }

    public Histogram BatchSize { get; }

    /// <summary>
    /// The batch-size series a batcher of model <paramref name="model"/> counts into: its own where batches are counted
    /// by model, the one unlabelled series otherwise (<paramref name="model"/> null, or <c>serve</c>'s metrics).
    /// </summary>
    public IHistogram BatchSizeOf(string? model) => model is null || BatchSize.LabelNames.Length == 0 ? BatchSize : BatchSize.WithLabels(model);

    /// <summary>
    /// Drops the series of model <paramref name="model"/>, which no longer exists (deleted): kept, <c>/metrics</c> named
    /// every model the service ever classified with. A batcher still holding the series counts into it unexported; only
    /// a new <see cref="BatchSizeOf"/> brings it back.
    /// </summary>
    public void ForgetModel(string model)
    {
        if (BatchSize.LabelNames.Length > 0) BatchSize.RemoveLabelled(model);
    }

    public Gauge QueueDepth { get; }

    public Counter Reloads { get; }
}
