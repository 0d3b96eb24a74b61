using OrtAgent.Training.Checkpoints;

namespace OrtAgent.FineTuningService.Store;

/// <summary>
/// The folders one open of a store made, the store's own and the parents it needed, so that a failed open removes them
/// again and leaves the disk as it found it.
/// </summary>
/// <remarks>
/// Those inside the store are removed while the open still holds the store's claim (<see cref="RemoveInsideStore"/>):
/// once it is released, another process may open the store and make the same folders, and an empty one it just made
/// would be taken for this open's. The store directory, which holds the lock file, and its parents go after the claim
/// (<see cref="RemoveStoreAndAbove"/>).
/// </remarks>
internal sealed class MadeFolders(string store)
{
    // The store's own path ends in a separator when the user wrote one; the folders below it are named without.
    private readonly string _insidePrefix = Path.TrimEndingDirectorySeparator(store) + Path.DirectorySeparatorChar;

    /// <summary>The folders made, the outer ones first.</summary>
    private readonly List<string> _made = [];

    /// <summary>Creates <paramref name="folder"/> (the store, or one of its own folders) when missing, noting each folder made.</summary>
    /// <param name="folder">The folder.</param>
    /// <param name="ownerOnly">
    /// Whether a folder this call makes is for its owner only (<c>rwx------</c>, on Unix): the store, which holds uploaded
    /// training data, the database and the trained models, all written with the process's umask (world-readable under
    /// the usual 022), so that other users of the machine cannot read them. The parents it makes, and a folder that is
    /// already there, keep the permissions they have.
    /// </param>
    /// <exception cref="UserInputException">
    /// The folder cannot be created, or a file has its name: the store's files or models would be written into a
    /// folder that is not there, and every upload or export fail long after the start.
    /// </exception>
    public void Create(string folder, bool ownerOnly = false)
    {
        // Up to the first path that is there, folder or not: a file on the way is the user's, and the create fails on it.
        var missing = new List<string>();
        for (string? path = folder; path is not null && !Path.Exists(path); path = Path.GetDirectoryName(path)) missing.Add(path);
        if (missing.Count == 0)
        {
            RefuseFileAt(folder);
            return;
        }
        missing.Reverse();
        _made.AddRange(missing);   // added first: a create that fails may have made some of them
        try
        {
            CreationFault.Reach();
            if (ownerOnly && !OperatingSystem.IsWindows())
            {
                // Without its final separator: "store/" is a child of "store", which would be made with the usual mode.
                string own = Path.TrimEndingDirectorySeparator(folder);
                if (Path.GetDirectoryName(own) is { Length: > 0 } parent) Directory.CreateDirectory(parent);
                Directory.CreateDirectory(own, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            else Directory.CreateDirectory(folder);
        }
        // A full disk is not the user's mistake: it goes on to the full-disk line (exit 1), not this one (exit 2).
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException && !StorageFull.Is(ex))
        {
            throw new UserInputException($"--store {store}: cannot create the store: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Refuses a file where the store will make <paramref name="folder"/> when it first needs it (a job's artifacts and
    /// records): refused at the open, it is not a job that fails long after the start.
    /// </summary>
    /// <exception cref="UserInputException">A file has the folder's name.</exception>
    public void RefuseFileAt(string folder)
    {
        if (!File.Exists(folder)) return;
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(folder));
        throw new UserInputException(
            $"--store {store}: '{name}' is a file, where the store keeps its {name} folder; move or rename the file, or give another --store");
    }

    /// <summary>Removes the folders made inside the store; called while the open still holds the store's claim.</summary>
    public void RemoveInsideStore() => Remove(inside: true);

    /// <summary>Removes the store directory and the parents made for it; called once the claim is released.</summary>
    public void RemoveStoreAndAbove() => Remove(inside: false);

    /// <summary>
    /// Removes the folders made, the inner ones first, each only while empty: what the open put in them is gone by then,
    /// and anything else is another process's, which started on the same new store at the same moment.
    /// </summary>
    private void Remove(bool inside)
    {
        for (int i = _made.Count - 1; i >= 0; i--)
        {
            if (_made[i].StartsWith(_insidePrefix, StringComparison.Ordinal) != inside) continue;
            if (Directory.Exists(_made[i])) BestEffortDelete.Directory(_made[i]);
        }
    }
}
