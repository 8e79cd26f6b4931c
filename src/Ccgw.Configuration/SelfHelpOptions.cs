namespace Ccgw.Configuration;

/// <summary>The customers' self-help: wizards, their downloads, and ordering parts and services (issue 17).</summary>
public sealed class SelfHelpOptions
{
    /// <summary>
    /// JSON file with wizards and catalogue items loaded on start: catalogue items are upserted; a wizard is stored and
    /// published only when it has no version yet, so staff edits made through the admin API survive restarts.
    /// </summary>
    public string? SeedFile { get; set; }

    /// <summary>Directory of the documents and videos wizards offer for download (served under /self-help/content/); none: no downloads.</summary>
    public string? ContentDirectory { get; set; }

    /// <summary>A product's catalogue is offered to customers who acquired it within this many days.</summary>
    public int OrderWindowDays { get; set; } = DefaultOrderWindowDays;

    public const int DefaultOrderWindowDays = 90;

    /// <summary>
    /// Documents and videos offered per topic (a queue id) when a customer chooses "documents" on the help page (issue 18):
    /// files under <see cref="ContentDirectory"/>, linked as <c>/self-help/content/{Path}</c>. No call-back is created.
    /// </summary>
    public Dictionary<string, List<TopicDocumentOptions>> TopicDocuments { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The flow (a key of <c>Flows</c>) an automated IVR call-back runs per topic (a queue id), issue 18: the dialler calls
    /// the customer and runs it as an inbound call runs its DID's flow. A topic without one is not offered "ivr".
    /// </summary>
    public Dictionary<string, string> TopicFlows { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>One download of <see cref="SelfHelpOptions.TopicDocuments"/>: what the link says and the file under the content directory.</summary>
public sealed class TopicDocumentOptions
{
    public string Title { get; set; } = "";

    public string Path { get; set; } = "";
}
