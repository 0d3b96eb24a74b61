namespace OrtAgent.Onnx;

/// <summary>Tensor element types, numbered exactly as ONNX's <c>TensorProto.DataType</c>.</summary>
public enum ElementType
{
    /// <summary>Not yet known (ONNX UNDEFINED); a value's type before inference sets it.</summary>
    Undefined = 0,

    /// <summary>32-bit IEEE float (ONNX FLOAT).</summary>
    Float = 1,

    /// <summary>Unsigned 8-bit integer (ONNX UINT8).</summary>
    UInt8 = 2,

    /// <summary>Signed 8-bit integer (ONNX INT8).</summary>
    Int8 = 3,

    /// <summary>Unsigned 16-bit integer (ONNX UINT16).</summary>
    UInt16 = 4,

    /// <summary>Signed 16-bit integer (ONNX INT16).</summary>
    Int16 = 5,

    /// <summary>Signed 32-bit integer (ONNX INT32).</summary>
    Int32 = 6,

    /// <summary>Signed 64-bit integer (ONNX INT64); shapes, axes and indices.</summary>
    Int64 = 7,

    /// <summary>Variable-length UTF-8 string (ONNX STRING); no fixed element size.</summary>
    String = 8,

    /// <summary>Boolean stored as one byte, 0 or 1 (ONNX BOOL).</summary>
    Bool = 9,

    /// <summary>16-bit IEEE half float (ONNX FLOAT16).</summary>
    Float16 = 10,

    /// <summary>64-bit IEEE float (ONNX DOUBLE).</summary>
    Double = 11,

    /// <summary>Unsigned 32-bit integer (ONNX UINT32).</summary>
    UInt32 = 12,

    /// <summary>Unsigned 64-bit integer (ONNX UINT64).</summary>
    UInt64 = 13,

    /// <summary>16-bit brain float: float32's exponent, 7 mantissa bits (ONNX BFLOAT16).</summary>
    BFloat16 = 16,
}
