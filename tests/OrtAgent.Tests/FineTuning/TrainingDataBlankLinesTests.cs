using OrtAgent.Data;
using OrtAgent.FineTuning;
using OrtAgent.Runtime.Text;
using OrtAgent.Tests.Infrastructure;

namespace OrtAgent.Tests.FineTuning;

/// <summary>Blank CSV and TSV lines were skipped without a word, so a file seemed to lose rows.</summary>
public sealed class TrainingDataBlankLinesTests : IDisposable
{
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    private TrainingData Load(string data, string? validation)
    {
        var vocab = _folder.Combine("vocab.txt");
        File.WriteAllLines(vocab, ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "good", "bad", "film"]);
        var encoder = BertTextEncoder.Create(vocab, new BertTextEncoderOptions { LowerCase = true, MaxLength = 16 });
        return TrainingData.Load(data, validation, new LabeledTextFileOptions(), encoder, seed: 1, requiredLabels: null, CancellationToken.None);
    }

    [Fact]
    public void TheSummaryCountsTheBlankLinesSkippedInBothFiles()
    {
        var data = _folder.Combine("train.csv");
        File.WriteAllText(data, "text,label\ngood film,pos\n\nbad film,neg\n   \ngood,pos\nbad,neg\n");
        var validation = _folder.Combine("valid.tsv");
        File.WriteAllText(validation, "text\tlabel\ngood\tpos\n\nbad\tneg\n");

        Assert.Equal("3 blank lines of the data were skipped", Load(data, validation).BlankLinesNotice());
    }

    [Fact]
    public void NothingIsSaidWhenNoLineWasBlank()
    {
        var data = _folder.Combine("train.csv");
        File.WriteAllText(data, "text,label\ngood film,pos\nbad film,neg\ngood,pos\nbad,neg\n");
        var validation = _folder.Combine("valid.csv");
        File.WriteAllText(validation, "text,label\ngood,pos\nbad,neg\n");

        Assert.Null(Load(data, validation).BlankLinesNotice());
    }
}
