using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Ccgw.Mqtt.Tests.Broker;

/// <summary>Keeps every log entry of the broker under test, so a test can count events by id.</summary>
internal sealed class CollectingLogger : ILogger<MqttBroker>
{
    public ConcurrentQueue<(EventId EventId, LogLevel Level, string Message)> Entries { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Entries.Enqueue((eventId, logLevel, IsEnabled(logLevel) ? formatter(state, exception) : ""));
}
