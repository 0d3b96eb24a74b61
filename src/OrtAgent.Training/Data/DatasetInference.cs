using Microsoft.ML.OnnxRuntime;
using OrtAgent.Runtime;
using OrtAgent.Runtime.Text;

namespace OrtAgent.Training.Data;

/// <summary>Receives one example's row of a model output: its index in the data set and its values.</summary>
internal delegate void ExampleRowHandler(int example, ReadOnlySpan<float> row);

/// <summary>
/// Runs a BERT-input session over a tokenized data set in length-sorted batches (each padded to its own longest
/// example) and hands back one row of one output per example: the shared loop of the teacher's logits for distillation
/// and the sentence embeddings for a contrastive head.
/// </summary>
internal static class DatasetInference
{
    /// <summary>
    /// Runs <paramref name="session"/> on every example of <paramref name="data"/>, feeding <c>token_type_ids</c> when it
    /// takes them, and calls <paramref name="handle"/> with each example's <paramref name="width"/> values of <paramref name="output"/>.
    /// </summary>
    public static void Run(InferenceSession session, TokenizedDataset data, int padId, int batchSize, string output, int width,
        ExampleRowHandler handle, CancellationToken cancellationToken)
    {
        bool withTokenTypes = session.InputMetadata.ContainsKey(ModelContract.TokenTypeIds);
        var batcher = LengthBucketBatcher.Create(new LengthBucketBatcherOptions { BatchSize = batchSize, Shuffle = false });
        foreach (var indices in batcher.CreateBatches(data.Lengths()))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = EncodedBatch.FromTokenIds(indices.Length, row => data.Tokens(indices[row]), padId);
            var names = new List<string> { ModelContract.InputIds, ModelContract.AttentionMask };
            var values = new List<OrtValue>
            {
                OrtValue.CreateTensorValueFromMemory(batch.InputIds, batch.Shape),
                OrtValue.CreateTensorValueFromMemory(batch.AttentionMask, batch.Shape),
            };
            if (withTokenTypes)
            {
                names.Add(ModelContract.TokenTypeIds);
                values.Add(OrtValue.CreateTensorValueFromMemory(batch.TokenTypeIds, batch.Shape));
            }
            try
            {
                using var run = new RunOptions();
                using var outputs = session.Run(run, names, values, [output]);
                var flat = outputs[0].GetTensorDataAsSpan<float>();
                for (int row = 0; row < indices.Length; row++) handle(indices[row], flat.Slice(row * width, width));
            }
            finally
            {
                foreach (var value in values) value.Dispose();
            }
        }
    }
}
