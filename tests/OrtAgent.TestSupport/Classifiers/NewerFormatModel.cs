using OrtAgent.Onnx;
using OrtAgent.Runtime;

namespace OrtAgent.Tests.Serving;

/// <summary>
/// A model as a newer OrtAgent might export it: <see cref="ToyClassifierModel"/> whose metadata records
/// <see cref="Format"/>, one above <see cref="ModelContract.CurrentFormat"/>, and whose graph neither ONNX Runtime nor
/// OrtAgent.Onnx loads, as they would refuse a newer opset or an op they lack. The node that makes it so reads a value
/// nothing defines.
/// </summary>
public static class NewerFormatModel
{
    /// <summary>The format the model records.</summary>
    public static string Format => (int.Parse(ModelContract.CurrentFormat, System.Globalization.CultureInfo.InvariantCulture) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Writes <c>model.onnx</c> and <c>vocab.txt</c> into <paramref name="directory"/>.</summary>
    public static void Write(string directory)
    {
        ToyClassifierModel.Write(directory, ToyClassifierModel.Sentiment);
        var path = Path.Combine(directory, ModelContract.ModelFile);
        var model = OnnxModel.Load(path);
        model.Metadata[ModelContract.FormatKey] = Format;
        model.Save(path);
        // Protobuf merges a message field that occurs twice: a second ModelProto.graph (7) adds its node (GraphProto.node, 1)
        // to the first graph's. NodeProto: input (1) "undefined", output (2) "newer_output", op_type (4) "Relu".
        byte[] node = [.. Field(1, "undefined"), .. Field(2, "newer_output"), .. Field(4, "Relu")];
        byte[] graph = Field(1, node);
        using var stream = new FileStream(path, FileMode.Append);
        stream.Write(Field(7, graph));
    }

    /// <summary>The message that refuses the model at <paramref name="modelPath"/>, as <c>ModelContract</c> words it.</summary>
    public static string Refusal(string modelPath) =>
        $"{modelPath}: '{ModelContract.FormatKey}' is '{Format}', a model format newer than this OrtAgent reads ({ModelContract.CurrentFormat}): "
        + "use the newer OrtAgent that exported it, or train the model again with this one";

    private static byte[] Field(int number, string text) => Field(number, System.Text.Encoding.UTF8.GetBytes(text));

    // A length-delimited field under 128 bytes: its tag and length are one byte each.
    private static byte[] Field(int number, byte[] bytes) => [(byte)(number << 3 | 2), checked((byte)bytes.Length), .. bytes];
}
