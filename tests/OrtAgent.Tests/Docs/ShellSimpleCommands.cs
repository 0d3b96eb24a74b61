using System.Text;

namespace OrtAgent.Tests.Docs;

/// <summary>
/// The simple commands of one shell line, each as the words bash would pass to the program it runs: quotes group and
/// are removed, a backslash escapes, a word beginning with '#' starts a comment, a redirection (<c>&gt; out</c>,
/// <c>2&gt;&amp;1</c>, <c>&lt; in</c>) is no word of its command, and an unquoted '&amp;&amp;', '||', '|', ';' or
/// '&amp;' ends one command and begins the next. Subshells, function bodies and case arms are not taken apart.
/// </summary>
internal static class ShellSimpleCommands
{
    public static List<List<string>> Split(string line)
    {
        var commands = new List<List<string>> { new() };
        var word = new StringBuilder();
        bool inWord = false, isRedirectionTarget = false, redirecting = false;
        char quote = '\0';

        void EndWord()
        {
            if (inWord && !isRedirectionTarget) commands[^1].Add(word.ToString());
            if (inWord) isRedirectionTarget = false;
            word.Clear();
            inWord = false;
        }

        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quote != '\0')
            {
                if (c == quote) quote = '\0';
                else if (c == '\\' && quote == '"' && i + 1 < line.Length) word.Append(line[++i]);
                else word.Append(c);
            }
            else if (char.IsWhiteSpace(c))
            {
                EndWord();
                redirecting = false;
            }
            else if (c == '#' && !inWord)
            {
                break;
            }
            else if (c is '<' or '>' || (c == '&' && i + 1 < line.Length && line[i + 1] == '>') || (redirecting && c is '&' or '<' or '>'))
            {
                // The digits just before a redirection (2>&1) name a file descriptor, not a word; the word after the
                // operator (>&1's 1 included) is where the output goes.
                if (!redirecting && word.ToString().All(char.IsAsciiDigit)) { word.Clear(); inWord = false; }
                else if (!redirecting) EndWord();
                redirecting = true;
                isRedirectionTarget = true;
            }
            else if (c is '|' or '&' or ';')
            {
                EndWord();
                isRedirectionTarget = redirecting = false;
                if (i + 1 < line.Length && (line[i + 1] == c || (c == '|' && line[i + 1] == '&'))) i++;
                if (commands[^1].Count > 0) commands.Add([]);
            }
            else
            {
                redirecting = false;
                inWord = true;
                if (c is '\'' or '"') quote = c;
                else word.Append(c == '\\' && i + 1 < line.Length ? line[++i] : c);
            }
        }
        EndWord();
        return [.. commands.Where(command => command.Count > 0)];
    }
}
