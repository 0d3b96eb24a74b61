using Onnx;

namespace OrtAgent.Onnx.Tests;

public class TensorDataTests
{
    [Fact]
    public void FloatDataLoads()
    {
        var proto = Proto(ElementType.Float, [2, 2]);
        proto.FloatData.AddRange([1.5f, -2f, 0f, 3.25f]);

        var data = TensorProtoConverter.FromProto(proto, null);

        Assert.Equal(ElementType.Float, data.Type);
        Assert.Equal([2L, 2L], data.Dims);
        Assert.Equal([1.5f, -2f, 0f, 3.25f], data.ToArray<float>());
    }

    [Fact]
    public void Int64AndDoubleDataLoad()
    {
        var ints = Proto(ElementType.Int64, [3]);
        ints.Int64Data.AddRange([-1L, 0L, 1L << 40]);
        var doubles = Proto(ElementType.Double, [2]);
        doubles.DoubleData.AddRange([0.1, -1e300]);

        Assert.Equal([-1L, 0L, 1L << 40], TensorProtoConverter.FromProto(ints, null).ToArray<long>());
        Assert.Equal([0.1, -1e300], TensorProtoConverter.FromProto(doubles, null).ToArray<double>());
    }

    [Fact]
    public void SmallTypesLoadFromInt32Data()
    {
        var int8 = Proto(ElementType.Int8, [3]);
        int8.Int32Data.AddRange([-128, 0, 127]);
        var flags = Proto(ElementType.Bool, [3]);
        flags.Int32Data.AddRange([1, 0, 1]);
        var halves = Proto(ElementType.Float16, [2]);
        halves.Int32Data.AddRange([0x3E00, 0xC000]); // 1.5 and -2 as IEEE half bit patterns

        Assert.Equal(new sbyte[] { -128, 0, 127 }, TensorProtoConverter.FromProto(int8, null).ToArray<sbyte>());
        Assert.Equal([true, false, true], TensorProtoConverter.FromProto(flags, null).ToArray<bool>());
        Assert.Equal([(Half)1.5, (Half)(-2)], TensorProtoConverter.FromProto(halves, null).ToArray<Half>());
    }

    [Fact]
    public void Int32DataLoadsAsInt32()
    {
        var proto = Proto(ElementType.Int32, []);
        proto.Int32Data.Add(-7);

        var data = TensorProtoConverter.FromProto(proto, null);

        Assert.Equal(0, data.Rank);
        Assert.Equal([-7], data.ToArray<int>());
    }

    [Fact]
    public void RawDataRoundTripsThroughTheProto()
    {
        var original = TensorData.Create<float>([2], [1f, 2f]);

        var reloaded = TensorProtoConverter.FromProto(TensorProtoConverter.ToProto("w", original), null);

        Assert.True(original.ContentEquals(reloaded));
    }

    [Fact]
    public void WrongByteCountIsRejected()
    {
        Assert.Throws<ArgumentException>(() => TensorData.FromBytes(ElementType.Float, [2], new byte[7]));
    }

    private static TensorProto Proto(ElementType type, long[] dims)
    {
        var proto = new TensorProto { Name = "t", DataType = (int)type };
        proto.Dims.AddRange(dims);
        return proto;
    }
}
