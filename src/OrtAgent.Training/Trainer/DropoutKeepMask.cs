using OrtAgent.Onnx;

namespace OrtAgent.Training.Trainer;

/// <summary>Draws the head's dropout keep-mask: each element 1/(1−ratio) with probability 1−ratio, else 0.</summary>
internal static class DropoutKeepMask
{
    public static TensorData Create(int rows, int hidden, double ratio, Random random)
    {
        var values = new float[rows * hidden];
        Fill(values, ratio, random);
        return TensorData.Create<float>([rows, hidden], values);
    }

    public static void Fill(Span<float> values, double ratio, Random random)
    {
        if (ratio <= 0)
        {
            values.Fill(1f);
            return;
        }
        float keep = (float)(1 / (1 - ratio));
        for (int i = 0; i < values.Length; i++) values[i] = random.NextDouble() < ratio ? 0f : keep;
    }
}
