using Npgsql;
using NpgsqlTypes;

namespace Ccgw.Storage.Postgres;

/// <summary>Typed parameters for plain Npgsql commands (a null is sent as a typed NULL, so PostgreSQL never has to guess).</summary>
internal static class Pg
{
    public static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? tx, string sql) => new(sql, connection, tx);

    public static NpgsqlCommand Text(this NpgsqlCommand command, string name, string? value)
    {
        command.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Text) { Value = (object?)value ?? DBNull.Value });
        return command;
    }

    public static NpgsqlCommand Int(this NpgsqlCommand command, string name, int value)
    {
        command.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Integer) { Value = value });
        return command;
    }

    public static NpgsqlCommand Long(this NpgsqlCommand command, string name, long value)
    {
        command.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Bigint) { Value = value });
        return command;
    }

    public static NpgsqlCommand Texts(this NpgsqlCommand command, string name, string[] values)
    {
        command.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = values });
        return command;
    }

    public static string? TextOrNull(this NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
