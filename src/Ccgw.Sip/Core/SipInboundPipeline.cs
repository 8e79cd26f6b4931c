using Ccgw.Sip.Message;
using Ccgw.Sip.Transactions;
using Ccgw.Sip.Transport;
using Microsoft.Extensions.Logging;

namespace Ccgw.Sip.Core;

/// <summary>
/// What happens to a parsed message before any transaction sees it: responses that cannot be matched are
/// dropped (§18.1.2), requests failing <see cref="SipRequestValidator"/> are answered statelessly (400/505),
/// every request gets received/rport stamped first (§18.2.1), and a source sending too fast is dropped (pike).
/// </summary>
/// <param name="statelessAnswer">Answers the requests the UA core takes without a transaction (OPTIONS; see
/// <see cref="SipUserAgentCore.StatelessAnswer"/>), null for the rest; without it every request gets a transaction.</param>
internal sealed class SipInboundPipeline(ISipSender sender, SipTransactionLayer transactions, ILogger log, SipPike? pike = null,
    Func<SipRequest, SipResponse?>? statelessAnswer = null)
{
    public void OnMessage(SipMessage message, SipEndPoint source)
    {
        if (message is SipResponse response)
        {
            if (SipRequestValidator.ShouldDropResponse(response)) return;
            transactions.ReceiveResponse(response, source);
            return;
        }
        var request = (SipRequest)message;
        // Before any work on the request, and without an answer (SipPike says why).
        if (pike?.Allow(source.Address.Address) == false) return;
        // Stamped before validation too: a refusal must go back to where the request came from (§18.2.2), not to a
        // sent-by address that may be unreachable or forged.
        SipResponseRouting.StampReceived(request, source);
        if (SipRequestValidator.Validate(request) is { } failure)
        {
            log.RequestRefused(source, failure.Reason);
            if (request.Method == SipMethods.Ack || request.Via.Count == 0) return;
            var answer = SipMalformedRequestResponder.BuildResponse(request, failure, SipTransactionLayer.LocalTag(request));
            sender.Send(answer, SipResponseRouting.DestinationFor(request.Via[0], source));
            return;
        }
        if (statelessAnswer?.Invoke(request) is { } stateless)
        {
            sender.Send(stateless, SipResponseRouting.DestinationFor(request.Via[0], source));
            return;
        }
        transactions.ReceiveRequest(request, source);
    }
}
