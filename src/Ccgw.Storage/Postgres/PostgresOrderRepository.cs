using Ccgw.Core.Repositories;
using Ccgw.Core.SelfHelp;
using Ccgw.Storage.Sqlite;
using Dapper;
using Npgsql;

namespace Ccgw.Storage.Postgres;

/// <summary>
/// PostgreSQL twin of <see cref="SqliteOrderRepository"/> (migration 0036). A status change locks the order's row
/// (<c>SELECT ... FOR UPDATE</c>) where SQLite relies on its one writer, so two changes of one order, on one daemon or
/// both of a pair, are checked and numbered one after the other.
/// </summary>
public sealed class PostgresOrderRepository(PostgresDatabase database) : IOrderRepository
{
    private const string Select = """
        SELECT order_id AS OrderId, customer_id AS CustomerId, item_id AS ItemId, product AS Product, item_name AS ItemName,
               quantity::bigint AS Quantity, status AS Status, placed_at AS PlacedAt FROM orders
        """;

    public async ValueTask AddAsync(PlacedOrder order, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(order);
        await using var c = await database.OpenAsync(cancellationToken);
        await using var tx = await c.BeginTransactionAsync(cancellationToken);
        await c.ExecuteAsync(new CommandDefinition("""
            INSERT INTO orders (order_id, customer_id, item_id, product, item_name, quantity, status, placed_at)
            VALUES (@OrderId, @CustomerId, @ItemId, @Product, @ItemName, @Quantity, @Status, @PlacedAt)
            """,
            new
            {
                order.OrderId, order.CustomerId, order.ItemId, order.Product, order.ItemName, order.Quantity,
                Status = OrderLifecycle.Name(order.Status), PlacedAt = StoredTime.Write(order.PlacedAt),
            }, tx, cancellationToken: cancellationToken));
        var seq = 0;
        foreach (var change in order.History)
            await InsertChangeAsync(c, tx, order.OrderId, ++seq, change, cancellationToken);
        await tx.CommitAsync(cancellationToken);
    }

    public async ValueTask<PlacedOrder?> GetAsync(string orderId, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        return await LoadAsync(c, null, orderId, forUpdate: false, cancellationToken);
    }

    public async ValueTask<IReadOnlyList<PlacedOrder>> ListAsync(string? customerId = null, int limit = 100, CancellationToken cancellationToken = default)
    {
        await using var c = await database.OpenAsync(cancellationToken);
        var rows = await c.QueryAsync<Row>(new CommandDefinition(
            $"{Select} WHERE CAST(@Customer AS text) IS NULL OR customer_id = @Customer ORDER BY placed_at DESC, order_id COLLATE \"C\" LIMIT @Limit",
            new { Customer = customerId, Limit = Math.Clamp(limit, 1, 1000) }, cancellationToken: cancellationToken));
        var list = new List<PlacedOrder>();
        foreach (var row in rows) list.Add(await WithHistoryAsync(c, null, row, cancellationToken));
        return list;
    }

    public async ValueTask<(PlacedOrder? Order, bool Moved)> ChangeStatusAsync(string orderId, OrderStatus status, DateTimeOffset at,
        Func<OrderStatus, OrderStatus, bool> allowed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(allowed);
        await using var c = await database.OpenAsync(cancellationToken);
        await using var tx = await c.BeginTransactionAsync(cancellationToken);
        if (await LoadAsync(c, tx, orderId, forUpdate: true, cancellationToken) is not { } order) return (null, false);
        if (!allowed(order.Status, status)) return (order, false);
        await c.ExecuteAsync(new CommandDefinition("UPDATE orders SET status = @Status WHERE order_id = @Id",
            new { Id = orderId, Status = OrderLifecycle.Name(status) }, tx, cancellationToken: cancellationToken));
        await InsertChangeAsync(c, tx, orderId, order.History.Count + 1, new OrderStatusChange(status, at), cancellationToken);
        var changed = await LoadAsync(c, tx, orderId, forUpdate: false, cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return (changed, true);
    }

    private static Task InsertChangeAsync(NpgsqlConnection c, NpgsqlTransaction tx, string orderId, int seq, OrderStatusChange change,
        CancellationToken cancellationToken) =>
        c.ExecuteAsync(new CommandDefinition("INSERT INTO order_status_changes (order_id, seq, status, at) VALUES (@Id, @Seq, @Status, @At)",
            new { Id = orderId, Seq = seq, Status = OrderLifecycle.Name(change.Status), At = StoredTime.Write(change.At) }, tx,
            cancellationToken: cancellationToken));

    private static async Task<PlacedOrder?> LoadAsync(NpgsqlConnection c, NpgsqlTransaction? tx, string orderId, bool forUpdate,
        CancellationToken cancellationToken)
    {
        var row = await c.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"{Select} WHERE order_id = @Id{(forUpdate ? " FOR UPDATE" : "")}", new { Id = orderId }, tx, cancellationToken: cancellationToken));
        return row is null ? null : await WithHistoryAsync(c, tx, row, cancellationToken);
    }

    private static async Task<PlacedOrder> WithHistoryAsync(NpgsqlConnection c, NpgsqlTransaction? tx, Row row, CancellationToken cancellationToken)
    {
        var changes = await c.QueryAsync<(string Status, string At)>(new CommandDefinition(
            "SELECT status, at FROM order_status_changes WHERE order_id = @Id ORDER BY seq", new { Id = row.OrderId }, tx,
            cancellationToken: cancellationToken));
        return new PlacedOrder(row.OrderId, row.CustomerId, row.ItemId, row.Product, row.ItemName, (int)row.Quantity, SqliteOrderRepository.Parse(row.Status),
            StoredTime.Read(row.PlacedAt), [.. changes.Select(ch => new OrderStatusChange(SqliteOrderRepository.Parse(ch.Status), StoredTime.Read(ch.At)))]);
    }

    private sealed record Row(string OrderId, string CustomerId, string ItemId, string Product, string ItemName, long Quantity, string Status,
        string PlacedAt);
}
