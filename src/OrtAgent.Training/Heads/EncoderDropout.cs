using OrtAgent.Onnx;

namespace OrtAgent.Training.Heads;

/// <summary>
/// BERT's own dropout inside the encoder, where Hugging Face's <c>BertModel</c> applies <c>hidden_dropout_prob</c> and
/// <c>attention_probs_dropout_prob</c> in training mode: after the embeddings' LayerNorm, on each attention-probability
/// softmax, and on each layer's attention-output and FFN-output projections before their residual add
/// (1 + 3 × layers sites). Exported encoders are traced in eval mode, so their graphs have none of it.
/// </summary>
internal static class EncoderDropout
{
    /// <summary>Drops elements at every site of <paramref name="encoder"/>'s graph; returns how many sites were found.</summary>
    /// <param name="encoder">The encoder, its linear weights already named (<see cref="BertEncoderGraph.Attach"/>).</param>
    /// <param name="ratio">The probability of dropping an element, in (0, 1).</param>
    /// <param name="seed">Seeds the sites' draws, each its own stream.</param>
    /// <param name="option">The option's name, for the refusal.</param>
    /// <exception cref="InvalidOptionException">The graph has none of the sites (not a BERT-family encoder as exported by Hugging Face).</exception>
    public static int Attach(BertEncoderGraph encoder, float ratio, int seed, string option)
    {
        var g = encoder.Graph;
        var sites = SitesOf(g);
        if (sites.Count == 0)
            throw new InvalidOptionException(option, ratio,
                "the base model has none of BERT's dropout sites (embeddings.LayerNorm, attention Softmax, *.output.dense projections)");
        var consumers = g.Consumers();
        var constants = InvertedDropout.Constants(g, ratio, "encoder");
        for (int index = 0; index < sites.Count; index++)
        {
            var site = sites[index];
            var readers = consumers.TryGetValue(site, out var list) ? list.Distinct().ToList() : [];
            var dropped = InvertedDropout.Append(g, site, constants, unchecked(seed * 1299709 + index));
            // Only the readers the site had: the new dropout nodes read the site themselves.
            foreach (var reader in readers)
                for (int i = 0; i < reader.Inputs.Count; i++)
                    if (ReferenceEquals(reader.Inputs[i], site)) reader.Inputs[i] = dropped;
        }
        g.TopologicalSort();
        return sites.Count;
    }

    /// <summary>The values to drop, in graph order.</summary>
    internal static List<Value> SitesOf(Graph g)
    {
        var sites = new List<Value>();
        foreach (var node in g.Nodes)
        {
            bool site = node.OpType switch
            {
                "LayerNormalization" => node.Inputs.Any(i => i?.Initializer is not null && i.Name.StartsWith("embeddings.LayerNorm.", StringComparison.Ordinal)),
                "Softmax" => true,
                // The bias add of encoder.layer.N.attention.output.dense and encoder.layer.N.output.dense, whose
                // output goes to the residual add.
                "Add" => node.Inputs.Any(i => i?.Initializer is not null && i.Name.EndsWith(".output.dense.bias", StringComparison.Ordinal)),
                _ => false,
            };
            if (site) sites.Add(node.Outputs[0]);
        }
        return sites;
    }
}
