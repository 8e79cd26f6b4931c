using System.Collections;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace Ccgw.Configuration;

/// <summary>
/// Walks the raw configuration tree against the shape of <see cref="GatewayOptions"/> before binding:
/// a key the schema does not know (usually a typo, which the binder would silently ignore) and a value
/// that does not convert to the property's type are each reported with their key path. The keys that pass
/// are returned so that binding never throws and semantic validation can still run over the rest.
/// </summary>
internal static class ConfigSchemaChecker
{
    public static Dictionary<string, string?> Check(IConfiguration root, ConfigProblems problems)
    {
        var accepted = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var child in root.GetChildren())
            Walk(child, typeof(GatewayOptions), problems, accepted, rootLevel: true);
        return accepted;
    }

    private static void Walk(IConfigurationSection section, Type owner, ConfigProblems problems,
        Dictionary<string, string?> accepted, bool rootLevel = false)
    {
        var property = owner.GetProperty(section.Key,
            BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
        if (property is null)
        {
            var known = string.Join(", ", owner.GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.Name));
            problems.Error(section.Path, rootLevel
                ? $"unknown section; known sections are {known}"
                : $"unknown key; {owner.Name.Replace("Options", "", StringComparison.Ordinal)} accepts {known}");
            return;
        }
        if (property.GetCustomAttribute<FreeFormSectionAttribute>() is not null)
        {
            CopyAll(section, accepted);
            return;
        }
        WalkValue(section, property.PropertyType, problems, accepted);
    }

    private static void WalkValue(IConfigurationSection section, Type type, ConfigProblems problems,
        Dictionary<string, string?> accepted)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (IsScalar(underlying))
        {
            if (section.GetChildren().Any())
            {
                problems.Error(section.Path, $"expected a single {Describe(underlying)} value, found a section");
                return;
            }
            // An empty value for an optional (nullable) setting unsets it: an environment override can only blank a
            // key the file sets, not remove it (e.g. Trunks:0:Outbound:Port, to look the peer up by SRV instead).
            if (section.Value is null || (section.Value.Length == 0 && underlying != type) || TryConvert(section.Value, underlying))
                accepted[section.Path] = section.Value;
            else
                problems.Error(section.Path, $"'{section.Value}' is not {Describe(underlying)}");
            return;
        }

        var children = section.GetChildren().ToList();
        if (section.Value is not null && children.Count == 0)
        {
            // A JSON null or empty string for a section: leave the default in place.
            if (section.Value.Length == 0) return;
            problems.Error(section.Path, $"expected a section ({Describe(underlying)}), found the value '{section.Value}'");
            return;
        }

        if (TryGetDictionaryValueType(underlying, out var valueType))
        {
            foreach (var child in children) WalkValue(child, valueType, problems, accepted);
            return;
        }
        if (TryGetListElementType(underlying, out var elementType))
        {
            foreach (var child in children)
            {
                if (!int.TryParse(child.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    problems.Error(child.Path, "expected a list (JSON array); found a named key");
                    continue;
                }
                WalkValue(child, elementType, problems, accepted);
            }
            return;
        }
        foreach (var child in children) Walk(child, underlying, problems, accepted);
    }

    private static void CopyAll(IConfigurationSection section, Dictionary<string, string?> accepted)
    {
        foreach (var pair in section.AsEnumerable())
            if (pair.Value is not null) accepted[pair.Key] = pair.Value;
    }

    private static bool IsScalar(Type t) =>
        t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(decimal) || t == typeof(TimeSpan);

    private static bool TryConvert(string value, Type t)
    {
        if (t == typeof(string)) return true;
        if (t == typeof(bool)) return bool.TryParse(value, out _);
        if (t == typeof(int)) return int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _);
        if (t == typeof(long)) return long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _);
        if (t == typeof(double)) return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d);
        if (t == typeof(TimeSpan)) return TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out _);
        if (t.IsEnum) return Enum.TryParse(t, value, ignoreCase: true, out _);
        return false;
    }

    private static string Describe(Type t) =>
        t == typeof(bool) ? "true or false"
        : t == typeof(int) || t == typeof(long) ? "a whole number"
        : t == typeof(double) ? "a number"
        : t == typeof(string) ? "text"
        : t.IsEnum ? "one of " + string.Join(", ", Enum.GetNames(t))
        : t.Name.Replace("Options", "", StringComparison.Ordinal);

    private static bool TryGetDictionaryValueType(Type t, out Type valueType)
    {
        var dict = t.IsGenericType && t.GetGenericTypeDefinition() == typeof(Dictionary<,>) ? t
            : t.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>));
        valueType = dict?.GetGenericArguments()[1]!;
        return dict is not null;
    }

    private static bool TryGetListElementType(Type t, out Type elementType)
    {
        elementType = null!;
        if (t == typeof(string) || !typeof(IEnumerable).IsAssignableFrom(t)) return false;
        var list = t.IsGenericType && t.GetGenericTypeDefinition() == typeof(List<>) ? t
            : t.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IList<>));
        if (list is null) return false;
        elementType = list.GetGenericArguments()[0];
        return true;
    }
}
