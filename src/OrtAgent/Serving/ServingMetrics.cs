using Prometheus;

namespace OrtAgent.Serving;

/// <summary>
/// The Prometheus metric families one server exports. Each server has its own registry, so several servers in one
/// process (tests, or a host serving two models) never mix their counts.
/// </summary>
internal sealed class ServingMetrics
{
    public ServingMetrics(CollectorRegistry registry)
    {
        Registry = registry;
        var factory = Metrics.WithCustomRegistry(registry);
        Requests = factory.CreateCounter("ortagent_http_requests_total", "HTTP requests answered, by endpoint and status code.",
            new CounterConfiguration { LabelNames = ["endpoint", "status"] });
        RequestDuration = factory.CreateHistogram("ortagent_http_request_duration_seconds", "Time from request start to response end, by endpoint.",
            new HistogramConfiguration { LabelNames = ["endpoint"], Buckets = Histogram.ExponentialBuckets(0.0005, 2, 16) });
        BatchSize = factory.CreateHistogram("ortagent_batch_size", "Texts per batch sent to the model.",
            new HistogramConfiguration { Buckets = [1, 2, 4, 8, 16, 32, 64, 128, 256] });
        QueueDepth = factory.CreateGauge("ortagent_queue_depth", "Texts waiting for the batcher (for all models' batchers on the fine-tuning service).");
        Reloads = factory.CreateCounter("ortagent_model_reloads_total", "Model reloads, by outcome.",
            new CounterConfiguration { LabelNames = ["outcome"] });
    }

    public CollectorRegistry Registry { get; }

    public Counter Requests { get; }

    public Histogram RequestDuration { get; }

    public Histogram BatchSize { get; }

    public Gauge QueueDepth { get; }

    public Counter Reloads { get; }
}
