using Ccgw.Core.SelfHelp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.StaticFiles;

namespace Ccgw.Web.Wizard;

/// <summary>
/// <c>GET /self-help/content/{path}</c>: the documents and videos wizards end in, from <c>SelfHelp:ContentDirectory</c>.
/// The path is checked twice: as text (no <c>..</c>, no rooted or empty segment, as authoring checks it) and after
/// resolving, including symlinks, so nothing outside the directory is ever served. Ranges are honoured for video.
/// </summary>
public static class SelfHelpContent
{
    public const string Prefix = "/self-help/content";

    public static void MapSelfHelpContent(this IEndpointRouteBuilder app, string? contentDirectory)
    {
        if (contentDirectory is null) return;
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(contentDirectory)) + Path.DirectorySeparatorChar;
        var types = new FileExtensionContentTypeProvider();
        app.MapGet(Prefix + "/{**path}", (string? path) =>
        {
            if (Resolve(root, path) is not { } file) return Results.Problem(statusCode: 404, title: "no such document");
            if (!types.TryGetContentType(file, out var type)) type = "application/octet-stream";
            return Results.File(file, type, fileDownloadName: Path.GetFileName(file), enableRangeProcessing: true);
        });
    }

    /// <summary>The full path of an existing file under <paramref name="root"/> (which ends in a separator), else null.</summary>
    public static string? Resolve(string root, string? path)
    {
        if (!WizardValidator.IsContentPath(path)) return null;
        var full = Path.GetFullPath(Path.Combine(root, path!));
        if (!full.StartsWith(root, StringComparison.Ordinal) || !File.Exists(full)) return null;
        var target = new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true)?.FullName;
        return target is null || Path.GetFullPath(target).StartsWith(root, StringComparison.Ordinal) ? full : null;
    }
}
