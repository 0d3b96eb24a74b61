using OrtAgent.Runtime;
using OrtAgent.Training.Artifacts;

namespace OrtAgent.Training.Tests;

/// <summary>The checks <see cref="TrainingArtifactsOptions"/> makes of itself before anything is built.</summary>
public sealed class TrainingArtifactsOptionsTests
{
    /// <summary>
    /// Label names that differ only in case were two classes of one, which a data file's labels are refused for
    /// (<c>LabelSet</c>); the names given are refused by the same check, in its words.
    /// </summary>
    [Fact]
    public void LabelNamesThatDifferOnlyInCaseAreRefusedAsADataFilesAre()
    {
        var options = new TrainingArtifactsOptions { BaseModel = "unused", NumLabels = 3, Labels = ["ham", "Spam", "spam"] };

        var error = Assert.Throws<UserInputException>(() => options.Validate(encoderOnDisk: false));

        Assert.Equal("TrainingArtifactsOptions.Labels: the labels 'Spam' and 'spam' differ only in case, so they would be trained as different classes; write them one way",
            error.Message);
    }
}
