namespace OrtAgent.Data;

/// <summary>The column a data reader looks for by its usual names (see <see cref="MissingColumnException"/>).</summary>
public enum ColumnRole
{
    /// <summary>The text to classify (<see cref="LabeledTextFileOptions.TextColumn"/>).</summary>
    Text,

    /// <summary>The label (<see cref="LabeledTextFileOptions.LabelColumn"/>).</summary>
    Label,
}
