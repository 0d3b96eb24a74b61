namespace OrtAgent.Onnx;

/// <summary>
/// Infers the element types and shapes of one node's outputs from its inputs and attributes,
/// writing them through <see cref="ShapeRuleContext.SetOutput"/>. One small function per op type.
/// </summary>
internal delegate void ShapeRule(ShapeRuleContext context);
