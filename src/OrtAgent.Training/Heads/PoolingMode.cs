namespace OrtAgent.Training.Heads;

/// <summary>How the encoder's token states become one vector per sequence.</summary>
public enum PoolingMode
{
    /// <summary>Mean of token states under the attention mask: <c>Σ h·mask / max(Σ mask, 1e-9)</c> (<c>mean</c>, the default).</summary>
    Mean,

    /// <summary>The first token's state, <c>[CLS]</c> (<c>cls</c>).</summary>
    Cls,

    /// <summary>The base model's own pooler output (dense + tanh over <c>[CLS]</c>); only for bases that export one (<c>pooler</c>).</summary>
    Pooler,
}
