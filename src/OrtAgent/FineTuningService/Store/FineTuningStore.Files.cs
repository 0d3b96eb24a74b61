using Microsoft.Data.Sqlite;

namespace OrtAgent.FineTuningService.Store;

// The store's records of files: rows that name the bytes kept in FilesDirectory.
internal sealed partial class FineTuningStore
{
    /// <summary>
    /// Lists a file whose bytes are in <see cref="FilesDirectory"/>. The row keeps the bytes' name, not their full path,
    /// so a store moved or copied elsewhere (a bigger disk, a backup restored) still finds its files.
    /// </summary>
    /// <exception cref="ArgumentException">The bytes are not directly in <see cref="FilesDirectory"/>.</exception>
    public void AddFile(StoredFile file)
    {
        if (!string.Equals(Path.GetDirectoryName(Path.GetFullPath(file.Path)), FilesDirectory, StringComparison.Ordinal))
            throw new ArgumentException($"{file.Path} is not in the store's files directory {FilesDirectory}", nameof(file));
        _db.Execute(
            "INSERT INTO files (id, bytes, created_at, filename, purpose, status, path) VALUES ($id, $bytes, $created, $name, $purpose, $status, $path)",
            ("$id", file.Id), ("$bytes", file.Bytes), ("$created", file.CreatedAt), ("$name", file.Filename), ("$purpose", file.Purpose),
            ("$status", file.Status), ("$path", Path.GetFileName(file.Path)));
    }

    public StoredFile? GetFile(string id) => _db.Query("SELECT * FROM files WHERE id = $id", ReadFile, ("$id", id)).SingleOrDefault();

    public Page<StoredFile> ListFiles(string? purpose, string? after, int limit, bool oldestFirst = false) =>
        PageOf("files", purpose is null ? null : "purpose = $purpose", after, limit, ReadFile, oldestFirst, shown: null, ("$purpose", purpose));

    /// <summary>The files of <paramref name="purpose"/> named <paramref name="filename"/>, oldest first.</summary>
    public IReadOnlyList<StoredFile> FilesNamed(string filename, string purpose) =>
        _db.Query("SELECT * FROM files WHERE filename = $filename AND purpose = $purpose ORDER BY seq", ReadFile, ("$filename", filename), ("$purpose", purpose)).ToList();

    public bool DeleteFile(string id) => _db.Execute("DELETE FROM files WHERE id = $id", ("$id", id)) > 0;

    // Stores written before 2026-12-04 kept the full path; its file name alone finds the bytes wherever the store now is.
    private StoredFile ReadFile(SqliteDataReader r) => new(
        r.GetString(r.GetOrdinal("id")), r.GetInt64(r.GetOrdinal("bytes")), r.GetInt64(r.GetOrdinal("created_at")),
        r.GetString(r.GetOrdinal("filename")), r.GetString(r.GetOrdinal("purpose")), r.GetString(r.GetOrdinal("status")),
        Path.Combine(FilesDirectory, Path.GetFileName(r.GetString(r.GetOrdinal("path")))));
}
