namespace OrtAgent.Onnx.Tests;

/// <summary>The batch every encoder comparison runs.</summary>
public static class EncoderBatch
{
    /// <summary>
    /// Two sequences of different length, the shorter padded with id 0 and masked out ([CLS] … [SEP] in the BERT
    /// vocabulary both packaged models share).
    /// </summary>
    public static Dictionary<string, TensorData> Feeds() => new()
    {
        ["input_ids"] = TensorData.Create<long>([2, 8], [101, 7592, 2088, 2003, 1037, 3231, 1012, 102,
                                                         101, 2307, 2154, 102, 0, 0, 0, 0]),
        ["attention_mask"] = TensorData.Create<long>([2, 8], [1, 1, 1, 1, 1, 1, 1, 1,
                                                              1, 1, 1, 1, 0, 0, 0, 0]),
        ["token_type_ids"] = TensorData.Create<long>([2, 8], new long[16]),
    };
}
