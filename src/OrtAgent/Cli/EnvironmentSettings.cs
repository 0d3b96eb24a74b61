using OrtAgent.Runtime;

namespace OrtAgent.Cli;

/// <summary>
/// The <c>ORTAGENT_</c> variables every command reads, checked as <see cref="AppSettingsFile"/> checks the settings
/// file: a variable set but empty (<c>ORTAGENT_MODELS__ROOT=</c>, an unfilled template line) was taken as unset, so the
/// default root was used without a word, where <c>Models:Root: ""</c> in appsettings.json and <c>--models-root ''</c>
/// are refused. Each is one line naming the variable as it was spelt. The API-key variables are refused by the commands
/// that read them, in their own words; an empty log level by the log-level check. An empty
/// <see cref="OnnxRuntimeTelemetryOptIn.Variable"/> is not refused: telemetry runs only for "1", and nothing else, empty
/// included, turns it on.
/// </summary>
internal static class EnvironmentSettings
{
    /// <summary>The configuration keys whose value is a folder, as <see cref="AppSettingsFile"/> names them.</summary>
    private static readonly string[] FolderKeys = ["Models:Root", "Artifacts:Root"];

    /// <exception cref="UserInputException">A root-folder variable is set to nothing but white space.</exception>
    public static void Check()
    {
        foreach (System.Collections.DictionaryEntry variable in Environment.GetEnvironmentVariables())
        {
            if (variable.Key is not string name || variable.Value is not string value || value.Trim().Length > 0) continue;
            string shown = value.Length == 0 ? "set but empty" : $"set to '{value}'";
            if (FolderKeys.FirstOrDefault(key => IsVariableFor(name, key)) is not null)
                throw new UserInputException($"{name} is {shown}, which names no folder; set it to a path, or unset it for the default");
        }
    }

    // As the configuration reads the environment: the prefix and key matched ignoring case, "__" for ':'.
    private static bool IsVariableFor(string name, string key) =>
        string.Equals(name.Replace("__", ":", StringComparison.Ordinal), "ORTAGENT_" + key, StringComparison.OrdinalIgnoreCase);
}
