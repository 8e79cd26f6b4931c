using System.Net;
using Ccgw.Mqtt;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MQTTnet.AspNetCore;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace Ccgw.Bench.MqttLoad;

/// <summary>
/// `serve-mqttnet PORT`: MQTTnet's server (MQTTnet.Server 5.2) hosted in Kestrel through MQTTnet.AspNetCore, as the
/// daemon would host it, with the least a contact centre needs: a connection validator that checks the password of
/// the same users as the other servers, and subscription and publish interceptors that apply
/// <see cref="BenchAcl"/> (ccgw's contact-centre ACL plus the harness's bench/ topics; the embedded broker's `serve`
/// host applies the same). Everything else at MQTTnet's
/// defaults (no persistence, 250 pending messages per client).
/// </summary>
public static class MqttNetHost
{
    private static readonly Dictionary<string, (string Password, MqttIdentity Identity)> Users = new(StringComparer.Ordinal)
    {
        ["bench"] = ("bench", new MqttIdentity("bench", ["supervisor"])),
        ["alice"] = ("demo-alice", new MqttIdentity("alice", ["agent"])),
    };

    public static async Task RunAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddHostedMqttServer(o => o.WithoutDefaultEndpoint());
        builder.Services.AddMqttConnectionHandler();
        builder.Services.AddConnections();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, l => l.UseMqtt()));
        await using var app = builder.Build();
        var acl = new BenchAcl();
        app.UseMqttServer(server =>
        {
            server.ValidatingConnectionAsync += e =>
            {
                if (e.UserName is { } user && Users.TryGetValue(user, out var known) && e.Password == known.Password)
                    e.SessionItems["identity"] = known.Identity;
                else
                    e.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
                return Task.CompletedTask;
            };
            server.InterceptingSubscriptionAsync += e =>
            {
                if (e.SessionItems["identity"] is not MqttIdentity identity || !acl.CanSubscribe(identity, e.TopicFilter.Topic))
                {
                    e.ProcessSubscription = false;
                    e.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
                }
                return Task.CompletedTask;
            };
            server.InterceptingPublishAsync += e =>
            {
                // Publishes of the server itself (no client) pass, as the gateway's do through the embedded broker.
                if (e.ClientId is null) return Task.CompletedTask;
                if (e.SessionItems["identity"] is not MqttIdentity identity || !acl.CanPublish(identity, e.ApplicationMessage.Topic))
                {
                    e.ProcessPublish = false;
                    e.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
                }
                return Task.CompletedTask;
            };
        });
        await app.RunAsync();
    }
}
