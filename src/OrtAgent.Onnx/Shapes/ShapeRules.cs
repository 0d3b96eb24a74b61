namespace OrtAgent.Onnx;

/// <summary>
/// The table of shape rules keyed by op type (default ONNX domain), assembled from one class per family of ops.
/// To support a new op, add one entry to the family it belongs to.
/// </summary>
internal static class ShapeRules
{
    public static readonly IReadOnlyDictionary<string, ShapeRule> All = Build();

    private static Dictionary<string, ShapeRule> Build()
    {
        var rules = new Dictionary<string, ShapeRule>(StringComparer.Ordinal);
        ElementwiseShapeRules.Register(rules);
        ReductionShapeRules.Register(rules);
        LayoutShapeRules.Register(rules);
        ShapeComputationRules.Register(rules);
        IndexingShapeRules.Register(rules);
        NetworkShapeRules.Register(rules);
        return rules;
    }
}
