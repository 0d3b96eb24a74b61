using System.CommandLine;

namespace OrtAgent.Commands;

/// <summary>
/// Refuses <c>-</c>, the usual spelling of standard input, as the value of a file option: no command reads its data from
/// standard input, and taken as a file name it was reported as "-: file not found", which reads like a bug.
/// </summary>
internal static class StandardInputRefusal
{
    /// <summary>Makes each of <paramref name="fileOptions"/> refuse <c>-</c> as the command line is parsed, in one line naming the option.</summary>
    public static void AddTo(params Option<string>[] fileOptions)
    {
        foreach (var option in fileOptions)
            option.Validators.Add(result =>
            {
                if (result.GetValueOrDefault<string>() == "-")
                    result.AddError($"{option.Name} -: reading from standard input is not supported; give a file path");
            });
    }
}
