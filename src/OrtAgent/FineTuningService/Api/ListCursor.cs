namespace OrtAgent.FineTuningService.Api;

/// <summary>
/// The <c>after</c> cursor of a list, checked: one that names nothing in the list was answered an empty page, which a
/// client paging on reads as the list's end (a mistyped or another server's id looked like "no more jobs").
/// </summary>
internal static class ListCursor
{
    private const int PageSize = 100;

    /// <summary>
    /// Returns <paramref name="page"/>, or refuses <paramref name="after"/> with a 400 when the page is empty and no page
    /// of the list from its start holds it (an empty page after the last item is the list's end).
    /// </summary>
    /// <param name="page">The page asked for.</param>
    /// <param name="after">The cursor it was asked after, or null.</param>
    /// <param name="list">Lists a page after a cursor (null: from the start), up to a page size.</param>
    /// <param name="id">An item's id, as <c>after</c> names it.</param>
    /// <param name="names">What the list holds, for the message: "fine-tuning job", "event of job ftjob-…".</param>
    public static ListObject<T> Checked<T>(ListObject<T> page, string? after, Func<string?, int, ListObject<T>> list, Func<T, string> id, string names)
    {
        if (after is null || page.Data.Count > 0) return page;
        string? cursor = null;
        ListObject<T> seen;
        do
        {
            seen = list(cursor, PageSize);
            if (seen.Data.Any(item => id(item) == after)) return page;
            cursor = seen.LastId;
        }
        while (seen.HasMore && cursor is not null);
        throw OpenAIApiException.BadRequest($"after {PrintableText.Quote(after)} names no {names} in this list; page with the last_id of the page before", "after", "invalid_cursor");
    }
}
