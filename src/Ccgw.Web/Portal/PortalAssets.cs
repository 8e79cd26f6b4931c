using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Ccgw.Web.Portal;

/// <summary>
/// The portal's style, served as a file (the CSP forbids inline style). The page needs no script but the chat window's (MeChat.cs): every action is a
/// plain form. Colours pass WCAG AA contrast on white; state is always said in words too, never by colour alone.
/// One column on a phone, two from 60rem (a laptop at 1366x768).
/// </summary>
internal static class PortalAssets
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var style = Encoding.UTF8.GetBytes(Style);
        app.MapGet("/assets/portal.css", () => Results.Bytes(style, "text/css; charset=utf-8"));
    }

    internal const string Style =
        "*{box-sizing:border-box}body{font-family:system-ui,sans-serif;margin:0;line-height:1.5;color:#1a1a1a;background:#fff}" +
        "header{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;justify-content:space-between;padding:.5rem 1rem;background:#0b3d6e;color:#fff}" +
        "header p{margin:0}header .site{font-weight:700}header button{margin:0;background:#fff;color:#0b3d6e;border-color:#fff}" +
        "nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:.25rem 1rem;margin:0;padding:.5rem 1rem;border-bottom:1px solid #ccc}" +
        "nav a,main a{color:#0b4f9c}a:focus,button:focus,input:focus,select:focus{outline:3px solid #c60;outline-offset:2px}" +
        "main{max-width:40rem;margin:0 auto;padding:0 1rem 2rem}" +
        "@media (min-width:60rem){main{max-width:76rem;display:grid;grid-template-columns:1fr 1fr;gap:0 2rem}main h1{grid-column:1/-1}}" +
        "section{border-top:1px solid #ccc;padding:.5rem 0 1rem;min-width:0}h1{font-size:1.6rem}h2{font-size:1.3rem;margin:.5rem 0}h3{font-size:1.1rem}h4{font-size:1rem;margin:.75rem 0 .25rem}" +
        "label{display:block;font-weight:600;margin-top:.75rem}input,select{font-size:1rem;padding:.35rem;width:100%;border:1px solid #555;border-radius:3px}" +
        "button{margin-top:1rem;font-size:1rem;padding:.45rem 1.1rem;background:#0b4f9c;color:#fff;border:2px solid #0b4f9c;border-radius:4px;cursor:pointer}" +
        "button.secondary{background:#fff;color:#0b4f9c}form.inline{display:inline-block;margin-right:1rem;vertical-align:bottom}form.inline select{width:auto;max-width:100%}" +
        ".hint{color:#444;margin:.1rem 0;font-size:.95rem}.error{color:#a00;font-weight:600;margin:.1rem 0}[aria-invalid=true]{border:2px solid #a00}" +
        ".errors{border:3px solid #a00;padding:.25rem 1rem;margin:.5rem 0}.notice{border-left:4px solid #1b6e2a;padding:.25rem .75rem;background:#eef7ef}" +
        ".table{overflow-x:auto}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}" +
        "ul.callbacks,ul.history{padding-left:1.1rem}ul.callbacks li{margin-bottom:1rem}.available{color:#1b6e2a;font-weight:600}.away{color:#555}" +
        "ul.wizards,ul.catalogue,ul.choices{list-style:none;padding:0}ul.wizards li,ul.catalogue li{margin-bottom:.75rem}ul.wizards form.inline button{margin-top:.25rem}" +
        "fieldset{border:1px solid #ccc;border-radius:4px;margin:1rem 0;padding:.25rem 1rem 1rem}legend{font-weight:600}" +
        // A radio sits beside its label text (the section's block labels would put it above, centred).
        "fieldset label:has(>input[type=radio]){display:flex;align-items:center;gap:.5rem;font-weight:400}fieldset input[type=radio]{width:auto;margin:0}ul.choices button{width:100%;text-align:left;margin-top:.5rem}" +
        "main.wizard{display:block;max-width:48rem}.ending{border-left:4px solid #0b4f9c;padding:.25rem .75rem;background:#f2f6fb}form.inline input[type=number]{width:6rem}" +
        ".visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}" +
        // The chat window on /me (Chat/WebChatSection, the same rules as help.css): who said what is written out.
        ".chat{border:2px solid #235;border-radius:.3rem;padding:0 1rem 1rem;margin:1rem 0}[hidden]{display:none!important}" +
        ".chat-log{list-style:none;padding:.5rem;margin:.5rem 0;max-height:22rem;overflow-y:auto;border:1px solid #666;background:#fff}" +
        ".chat-log li{margin:.3rem 0;padding:.3rem .5rem;border-radius:.3rem;overflow-wrap:anywhere}.chat-log .who{font-weight:700}" +
        ".chat-log .me{background:#e8eef8}.chat-log .them{background:#f1f1f1}.chat-log .notice{font-style:italic;color:#333}" +
        ".chat-log .pending{color:#444}.chat-status{font-weight:600;color:#1b4d1b}.chat-typing{min-height:1.5em;color:#333;margin:0}" +
        ".chat textarea{font-size:1rem;width:100%;padding:.3rem}.chat-form button,#chat-end{margin-right:.5rem}";
}
