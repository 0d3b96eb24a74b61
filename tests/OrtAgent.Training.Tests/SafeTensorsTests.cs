using System.Buffers.Binary;
using System.Text;
using OrtAgent.Onnx;
using OrtAgent.Training.Checkpoints;

namespace OrtAgent.Training.Tests;

public sealed class SafeTensorsTests : IDisposable
{
    private readonly TempDirectory _dir = new("st");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void RoundTripsTensorsMetadataAndOrder()
    {
        var path = _dir.Combine("model.safetensors");
        var w = TensorData.Create<float>([2, 3], [1, 2, 3, 4, 5, 6]);
        var ids = TensorData.Vector(7L, -8L);
        var scalar = TensorData.Scalar(0.5f);
        SafeTensorsWriter.Write(path, [new("w", w), new("ids", ids), new("s", scalar)], new Dictionary<string, string> { ["format"] = "pt" });

        var file = SafeTensorsReader.Read(path);
        Assert.Equal(["w", "ids", "s"], file.Names);
        Assert.True(file["w"].ContentEquals(w));
        Assert.True(file["ids"].ContentEquals(ids));
        Assert.True(file["s"].ContentEquals(scalar));
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Fact]
    public void WritesTheLayoutTheSpecDescribes()
    {
        var path = _dir.Combine("one.safetensors");
        SafeTensorsWriter.Write(path, [new("a", TensorData.Vector(1f, 2f))]);
        var bytes = File.ReadAllBytes(path);
        long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, headerLength % 8);
        var header = Encoding.UTF8.GetString(bytes, 8, (int)headerLength).TrimEnd(' ');
        Assert.Equal("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", header);
        Assert.Equal(8 + headerLength + 8, bytes.Length);
        Assert.Equal(2f, BitConverter.ToSingle(bytes, 8 + (int)headerLength + 4));
    }

    [Fact]
    public void ReadsAFileWrittenByHand()
    {
        // The shape the Python library writes: no padding, F32 then I64.
        var header = "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"__metadata__\":{\"k\":\"v\"},\"y\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[4,12]}}";
        var path = _dir.Combine("hand.safetensors");
        using (var s = File.Create(path))
        {
            var h = Encoding.UTF8.GetBytes(header);
            s.Write(BitConverter.GetBytes((ulong)h.Length));
            s.Write(h);
            s.Write(BitConverter.GetBytes(3.5f));
            s.Write(BitConverter.GetBytes(42L));
        }
        var file = SafeTensorsReader.Read(path);
        Assert.Equal(3.5f, file["x"].AsSpan<float>()[0]);
        Assert.Equal(42L, file["y"].AsSpan<long>()[0]);
        Assert.Empty(file["y"].Dims);
        Assert.Equal("v", file.Metadata["k"]);
    }

    [Fact]
    public void RejectsGapsAndTruncation()
    {
        var path = _dir.Combine("bad.safetensors");
        var header = Encoding.UTF8.GetBytes("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}");
        using (var s = File.Create(path))
        {
            s.Write(BitConverter.GetBytes((ulong)header.Length));
            s.Write(header);
            s.Write(BitConverter.GetBytes(1f)); // only 4 of 8 bytes
        }
        Assert.Throws<InvalidDataException>(() => SafeTensorsReader.Read(path));
        File.WriteAllBytes(path, [1, 2, 3]);
        Assert.Throws<InvalidDataException>(() => SafeTensorsReader.Read(path));
    }
}
