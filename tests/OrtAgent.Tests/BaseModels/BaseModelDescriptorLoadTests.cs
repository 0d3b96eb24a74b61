using OrtAgent.Tests.Infrastructure;
using OrtAgent.Training.BaseModels;

namespace OrtAgent.Tests.BaseModels;

/// <summary>
/// A damaged descriptor.json is refused in plain words with where it broke; the line passed System.Text.Json's own
/// message on ("… LineNumber: 0 | BytePositionInLine: 1.").
/// </summary>
public sealed class BaseModelDescriptorLoadTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("{\n  \"name\": \"minilm\",\n  oops\n}", "'o' cannot start a property name (names are in double quotes) (at line 3, byte 2)")]
    [InlineData("{\"name\": \"minilm\"", "it ends before the JSON value is complete (at byte 17)")]
    [InlineData("{\"name\": 5}", "$.name has a value of the wrong type (at byte 10)")]
    public void ADamagedDescriptorSaysWhereInPlainWords(string content, string reason)
    {
        var path = _temp.Combine(BaseModelDescriptor.FileName);
        File.WriteAllText(path, content);

        var error = Assert.Throws<UserInputException>(() => BaseModelDescriptor.Load(path));

        Assert.Equal($"base model descriptor '{path}': not valid JSON: {reason}", error.Message);
    }
}
