using System.Collections.Frozen;
using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Ccgw.Web.Assets;

/// <summary>
/// The bundled browser code (ClientApp/, built by esbuild at build time and embedded in this assembly as
/// <c>clientapp/NAME</c>) served as <c>/assets/NAME</c>. Read once at start: the set is fixed for a build, and an
/// unknown name is a plain 404 rather than a file-system lookup an anonymous party could steer.
/// </summary>
internal static class ClientAssets
{
    private const string Prefix = "clientapp/";

    internal static void Map(IEndpointRouteBuilder app)
    {
        var files = Load(typeof(ClientAssets).Assembly);
        app.MapGet("/assets/app/{name}", (string name) =>
            files.TryGetValue(name, out var file) ? Results.Bytes(file.Content, file.ContentType) : Results.NotFound());
    }

    /// <summary>The script tag a page uses to load one bundle, e.g. <c>ScriptTag("console")</c>.</summary>
    internal static string ScriptTag(string page) => $"<script src=\"/assets/app/{page}.js\"></script>";

    internal static FrozenDictionary<string, ClientAsset> Load(Assembly assembly)
    {
        var files = new Dictionary<string, ClientAsset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(Prefix, StringComparison.Ordinal)) continue;
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var name = resource[Prefix.Length..];
            var type = name.EndsWith(".css", StringComparison.Ordinal) ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8";
            files[name] = new ClientAsset(copy.ToArray(), type);
        }
        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }
}

internal sealed record ClientAsset(byte[] Content, string ContentType);
