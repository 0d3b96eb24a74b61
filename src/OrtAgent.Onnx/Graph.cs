namespace OrtAgent.Onnx;

/// <summary>
/// A mutable ONNX graph whose nodes refer to <see cref="Value"/> objects rather than names.
/// Typed operator methods (<c>g.MatMul(a, b)</c>) live in the <c>Graph.Ops*.cs</c> files and return their outputs,
/// so graphs are wired by reference; every value and node name is made unique as it is added.
/// </summary>
public sealed partial class Graph
{
    private readonly List<Node> _nodes = [];
    private readonly HashSet<string> _valueNames = new(StringComparer.Ordinal);
    private readonly HashSet<string> _nodeNames = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _nameCounters = new(StringComparer.Ordinal);

    /// <summary>An empty graph importing the default ONNX domain at <paramref name="opsetVersion"/>.</summary>
    /// <param name="name">The graph's name, written to the model; not required to be unique.</param>
    /// <param name="opsetVersion">The default-domain opset; the typed op methods spell operators for it (see <see cref="OpsetVersion"/>).</param>
    public Graph(string name = "graph", int opsetVersion = 17)
    {
        Name = name;
        Opsets[""] = opsetVersion;
    }

    /// <summary>The graph's name as the model file stores it.</summary>
    public string Name { get; set; }

    /// <summary>Free-text documentation stored with the graph; null writes none.</summary>
    public string? DocString { get; set; }

    /// <summary>
    /// The graph inputs in declaration order. Add through <see cref="AddInput"/>, which claims the name; removing or
    /// reordering entries here is allowed and changes the model's interface.
    /// </summary>
    public List<Value> Inputs { get; } = [];

    /// <summary>The graph outputs in order; <see cref="AddOutput"/> appends one without duplicates.</summary>
    public List<Value> Outputs { get; } = [];

    /// <summary>Initializers in file order; each has <see cref="Value.Initializer"/> set.</summary>
    public List<Value> Initializers { get; } = [];

    /// <summary>
    /// The nodes in their current order (after <see cref="TopologicalSort"/>, producers before consumers). A live view:
    /// copy it (<c>ToList()</c>) before adding or removing nodes while iterating.
    /// </summary>
    public IReadOnlyList<Node> Nodes => _nodes;

    /// <summary>Operator set imports, domain to version; the default domain is the empty string.</summary>
    public Dictionary<string, long> Opsets { get; } = new(StringComparer.Ordinal);

    /// <summary>The version of the default ONNX domain, which decides how typed ops are spelled.</summary>
    public long OpsetVersion
    {
        get => Opsets.TryGetValue("", out var v) ? v : 0;
        set => Opsets[""] = value;
    }

    /// <summary>Declares a graph input.</summary>
    public Value AddInput(string name, ElementType type, IReadOnlyList<Dim>? shape)
    {
        var value = new Value(ClaimExactName(name), type, shape);
        Inputs.Add(value);
        return value;
    }

    /// <summary>Adds an initializer under exactly <paramref name="name"/> (parameters keep their names).</summary>
    public Value AddInitializer(string name, TensorData data) => CreateInitializer(ClaimExactName(name), data);

    /// <summary>Adds a constant as an initializer with a fresh name derived from <paramref name="nameHint"/>.</summary>
    public Value Constant(TensorData data, string nameHint = "const") => CreateInitializer(UniqueValueName(nameHint), data);

    // The name must already be claimed: UniqueValueName claims as it picks, so claiming again would collide with itself.
    private Value CreateInitializer(string claimedName, TensorData data)
    {
        var value = new Value(claimedName, data.Type, data.Dims.Select(Dim.Known).ToArray()) { Initializer = data };
        Initializers.Add(value);
        return value;
    }

    /// <summary>Marks <paramref name="value"/> as a graph output; a value already among <see cref="Outputs"/> is not added twice.</summary>
    public void AddOutput(Value value)
    {
        if (!Outputs.Contains(value)) Outputs.Add(value);
    }

    /// <summary>
    /// Appends a node and creates its <paramref name="outputCount"/> outputs with fresh names.
    /// Untyped ops are the escape hatch; prefer the typed methods.
    /// </summary>
    public Node AddNode(string opType, IEnumerable<Value?> inputs, int outputCount = 1,
        IEnumerable<KeyValuePair<string, AttributeValue>>? attributes = null, string domain = "", string? name = null)
    {
        var node = new Node(opType, domain, UniqueNodeName(name ?? opType));
        node.Inputs.AddRange(inputs);
        if (attributes is not null)
            foreach (var (key, value) in attributes) node.Attributes[key] = value;
        for (int i = 0; i < outputCount; i++)
            AttachOutput(node, new Value(UniqueValueName(outputCount == 1 ? node.Name : $"{node.Name}_{i}")));
        _nodes.Add(node);
        return node;
    }

    /// <summary>Appends an already-populated node (used by the model reader, which knows the names).</summary>
    internal Node AddLoadedNode(string opType, string domain, string name)
    {
        var node = new Node(opType, domain, name.Length == 0 ? UniqueNodeName(opType) : ClaimNodeName(name));
        _nodes.Add(node);
        return node;
    }

    internal Value CreateLoadedValue(string name) => new(ClaimExactName(name));

    /// <summary>
    /// Gives an existing node one more output with a fresh name, for optional outputs a later pass needs
    /// (the gradient builder asks Dropout for its mask and LayerNormalization for its saved statistics).
    /// </summary>
    public Value AddNodeOutput(Node node, string? nameHint = null)
    {
        var value = new Value(UniqueValueName(nameHint ?? $"{node.Name}_{node.Outputs.Count}"));
        AttachOutput(node, value);
        return value;
    }

    internal static void AttachOutput(Node node, Value value)
    {
        value.Producer = node;
        value.ProducerOutputIndex = node.Outputs.Count;
        node.Outputs.Add(value);
    }

    /// <summary>A value name not used yet in this graph, <paramref name="hint"/> itself when free.</summary>
    public string UniqueValueName(string hint) => Unique(hint, _valueNames);

    private string UniqueNodeName(string hint) => Unique(hint, _nodeNames);

    private string Unique(string hint, HashSet<string> used)
    {
        if (used.Add(hint)) return hint;
        _nameCounters.TryGetValue(hint, out int n);
        string candidate;
        do candidate = $"{hint}_{++n}"; while (!used.Add(candidate));
        _nameCounters[hint] = n;
        return candidate;
    }

    /// <summary>
    /// Renames <paramref name="value"/> to <paramref name="name"/>, which must be free (for example after the node that
    /// used it was removed): rewrites keep a graph output's name while its producer changes.
    /// </summary>
    public void RenameValue(Value value, string name)
    {
        if (value.Name == name) return;
        ClaimExactName(name);
        _valueNames.Remove(value.Name);
        value.Name = name;
    }

    private string ClaimExactName(string name) =>
        _valueNames.Add(name) ? name : throw new InvalidOperationException($"Graph '{Name}' already has a value named '{name}'.");

    private string ClaimNodeName(string name) => _nodeNames.Add(name) ? name : UniqueNodeName(name);

    /// <summary>Every value in the graph by name: inputs, initializers and node outputs.</summary>
    public Dictionary<string, Value> ValuesByName()
    {
        var map = new Dictionary<string, Value>(StringComparer.Ordinal);
        foreach (var v in Inputs) map[v.Name] = v;
        foreach (var v in Initializers) map[v.Name] = v;
        foreach (var n in _nodes)
            foreach (var o in n.Outputs) map[o.Name] = o;
        return map;
    }

    /// <summary>For each value, the nodes that read it (a node reading a value twice appears twice).</summary>
    public Dictionary<Value, List<Node>> Consumers()
    {
        var map = new Dictionary<Value, List<Node>>();
        foreach (var n in _nodes)
            foreach (var input in n.Inputs)
            {
                if (input is null) continue;
                if (!map.TryGetValue(input, out var list)) map[input] = list = [];
                list.Add(n);
            }
        return map;
    }

    /// <summary>Points every node input and graph output that reads <paramref name="old"/> at <paramref name="replacement"/>.</summary>
    public void ReplaceAllUses(Value old, Value replacement)
    {
        foreach (var n in _nodes)
            for (int i = 0; i < n.Inputs.Count; i++)
                if (ReferenceEquals(n.Inputs[i], old)) n.Inputs[i] = replacement;
        for (int i = 0; i < Outputs.Count; i++)
            if (ReferenceEquals(Outputs[i], old)) Outputs[i] = replacement;
    }

    /// <summary>
    /// Makes <paramref name="replacement"/> stand for <paramref name="old"/> everywhere. When <paramref name="old"/> is a
    /// graph output, the replacement takes over its name too, so the graph's interface does not change.
    /// </summary>
    public void Substitute(Value old, Value replacement)
    {
        bool wasOutput = Outputs.Contains(old);
        ReplaceAllUses(old, replacement);
        if (!wasOutput) return;
        var publicName = old.Name;
        old.Name = UniqueValueName(publicName + "_replaced");
        _valueNames.Remove(replacement.Name);
        replacement.Name = publicName;
    }

    /// <summary>
    /// Removes <paramref name="node"/> and frees its name and its outputs' names. Nodes still reading those outputs are
    /// not changed: rewire them first (<see cref="ReplaceAllUses"/>), or the graph reads an undefined value.
    /// </summary>
    public void RemoveNode(Node node)
    {
        _nodes.Remove(node);
        _nodeNames.Remove(node.Name);
        foreach (var o in node.Outputs) _valueNames.Remove(o.Name);
    }

    /// <summary>Removes an initializer and frees its name; does nothing when <paramref name="value"/> is not one of <see cref="Initializers"/>. Readers are not changed.</summary>
    public void RemoveInitializer(Value value)
    {
        if (Initializers.Remove(value)) _valueNames.Remove(value.Name);
    }

    /// <summary>
    /// Orders nodes so that every node follows the producers of its inputs (Kahn's algorithm, iterative,
    /// stable with respect to the current order). Throws when the graph has a cycle or reads an undefined value.
    /// </summary>
    public void TopologicalSort()
    {
        var pending = new Dictionary<Node, int>();
        var consumers = Consumers();
        foreach (var n in _nodes)
        {
            int missing = n.Inputs.Count(i => i?.Producer is not null && i.Producer != n);
            pending[n] = missing;
        }
        var order = new List<Node>(_nodes.Count);
        var position = _nodes.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i);
        var heap = new PriorityQueue<Node, int>();
        foreach (var n in _nodes)
            if (pending[n] == 0) heap.Enqueue(n, position[n]);
        while (heap.TryDequeue(out var node, out _))
        {
            order.Add(node);
            foreach (var output in node.Outputs)
            {
                if (!consumers.TryGetValue(output, out var readers)) continue;
                foreach (var reader in readers)
                    if (pending.ContainsKey(reader) && --pending[reader] == 0) heap.Enqueue(reader, position[reader]);
            }
        }
        if (order.Count != _nodes.Count)
        {
            var stuck = _nodes.First(n => !order.Contains(n));
            throw new InvalidOperationException($"Graph '{Name}' has a cycle or a node whose producer is missing: {stuck}.");
        }
        _nodes.Clear();
        _nodes.AddRange(order);
    }

    /// <summary>
    /// Moves each node matching <paramref name="shouldHoist"/> to just after the last producer of its inputs (the start
    /// of the graph when it reads only inputs and initializers). Runtimes execute nodes in graph order and keep a tensor
    /// alive until its last reader has run, so a tiny reader such as Shape, appended late, would pin a large tensor.
    /// The graph must be in topological order; it stays so.
    /// </summary>
    public int HoistToProducers(Func<Node, bool> shouldHoist)
    {
        int moved = 0;
        foreach (var node in _nodes.Where(shouldHoist).ToList())
        {
            _nodes.Remove(node);
            int insertAt = 0;
            foreach (var input in node.Inputs)
                if (input?.Producer is { } producer)
                    insertAt = Math.Max(insertAt, _nodes.IndexOf(producer) + 1);
            _nodes.Insert(insertAt, node);
            moved++;
        }
        return moved;
    }

    /// <summary>
    /// Removes nodes whose outputs no graph output depends on, then initializers nothing reads.
    /// Returns the number of nodes removed.
    /// </summary>
    public int RemoveUnused()
    {
        TopologicalSort();
        var needed = new HashSet<Value>(Outputs);
        var kept = new HashSet<Node>();
        for (int i = _nodes.Count - 1; i >= 0; i--)
        {
            var n = _nodes[i];
            if (!n.Outputs.Any(needed.Contains)) continue;
            kept.Add(n);
            foreach (var input in n.Inputs)
                if (input is not null) needed.Add(input);
        }
        int removed = 0;
        foreach (var n in _nodes.Where(n => !kept.Contains(n)).ToList())
        {
            RemoveNode(n);
            removed++;
        }
        foreach (var init in Initializers.Where(v => !needed.Contains(v)).ToList())
            RemoveInitializer(init);
        return removed;
    }
}
