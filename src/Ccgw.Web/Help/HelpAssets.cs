using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Ccgw.Web.Help;

/// <summary>
/// The help pages' script and style, served as files so that the Content-Security-Policy can forbid inline script
/// and style (an injected tag then cannot run). One script for every page: each part runs only where its element is.
/// </summary>
internal static class HelpAssets
{
    public const string ScriptTag = "<script src=\"/assets/help.js\"></script>";

    public static void Map(IEndpointRouteBuilder app)
    {
        var script = Encoding.UTF8.GetBytes(Script);
        var style = Encoding.UTF8.GetBytes(Style);
        app.MapGet("/assets/help.js", () => Results.Bytes(script, "text/javascript; charset=utf-8"));
        app.MapGet("/assets/help.css", () => Results.Bytes(style, "text/css; charset=utf-8"));
    }

    internal const string Style =
        "body{font-family:system-ui,sans-serif;max-width:40rem;margin:1rem auto;padding:0 1rem;line-height:1.5}" +
        "label{display:block;font-weight:600;margin-top:.75rem}input,select{font-size:1rem;padding:.3rem;width:100%;box-sizing:border-box}" +
        ".hint{color:#444;margin:.1rem 0}.error{color:#a00;font-weight:600;margin:.1rem 0}[aria-invalid=true]{border:2px solid #a00}" +
        ".errors{border:3px solid #a00;padding:.5rem 1rem}fieldset{margin:1rem 0}button{margin-top:1rem;font-size:1.1rem;padding:.4rem 1.2rem}" +
        // The web chat (Chat/WebChatSection): who said what is written out, never told by colour alone.
        ".chat{border:2px solid #235;border-radius:.3rem;padding:0 1rem 1rem;margin:1rem 0}[hidden]{display:none!important}" +
        ".chat-log{list-style:none;padding:.5rem;margin:.5rem 0;max-height:22rem;overflow-y:auto;border:1px solid #666;background:#fff}" +
        ".chat-log li{margin:.3rem 0;padding:.3rem .5rem;border-radius:.3rem;overflow-wrap:anywhere}.chat-log .who{font-weight:700}" +
        ".chat-log .me{background:#e8eef8}.chat-log .them{background:#f1f1f1}.chat-log .notice{font-style:italic;color:#333}" +
        ".chat-log .pending{color:#444}.chat-status{font-weight:600;color:#1b4d1b}.chat-typing{min-height:1.5em;color:#333;margin:0}" +
        // The medium radio group: label beside its radio, whole row clickable; the legend is the question.
        ".media .choice{display:flex;align-items:center;gap:.5rem;margin:.3rem 0}.media .choice input{width:auto;margin:0}" +
        ".media .choice label{display:inline;font-weight:400;margin:0}" +
        "textarea{font-size:1rem;width:100%;box-sizing:border-box;padding:.3rem}.chat-form button,#chat-end{margin-right:.5rem}";

    internal const string Script = """
        (function(){
        function waitText(s){if(s===null||s===undefined)return 'unknown (no agent available right now)';if(s<=0)return 'no wait';if(s<60)return 'less than a minute';if(s<5400)return 'about '+Math.round(s/60)+' minutes';return 'about '+(Math.round(s/360)/10)+' hours';}
        function form(){
          var tz=Intl.DateTimeFormat().resolvedOptions().timeZone;var tzField=document.getElementById('field-timeZone');
          if(tz&&!tzField.value)tzField.value=tz;document.getElementById('tz-name').textContent=tz||'UTC';
          var fmt=new Intl.DateTimeFormat(undefined,{weekday:'short',day:'numeric',month:'short',hour:'2-digit',minute:'2-digit'});
          document.querySelectorAll('option[data-utc]').forEach(function(o){o.textContent=fmt.format(new Date(o.dataset.utc));});
          var topic=document.getElementById('field-topic'),time=document.getElementById('field-preferredTime');
          function onlyTopic(){document.querySelectorAll('#field-preferredTime optgroup').forEach(function(g){var other=g.dataset.queue!==topic.value;g.hidden=other;g.disabled=other;});
            if(time.selectedOptions.length&&time.selectedOptions[0].parentElement.disabled)time.value='now';}
          topic.addEventListener('change',onlyTopic);onlyTopic();
          var summary=document.getElementById('error-summary');if(summary)summary.focus();
          function poll(){fetch('/api/status').then(function(r){return r.json();}).then(function(list){list.forEach(function(q){
            var li=document.querySelector('#waits li[data-queue="'+q.queue+'"] .ewt');if(li)li.textContent=waitText(q.ewtSeconds);});}).catch(function(){});}
          setInterval(poll,5000);
        }
        function status(el){
          var texts={scheduled:'Scheduled: we will call you',queued:'Calling you now',connected:'Connected',done:'Done',cancelled:'Cancelled',failed:'We could not reach you',interrupted:'Interrupted: an agent will arrange a new time'};
          var id=el.dataset.id;var sch=document.getElementById('scheduled');
          sch.textContent=new Date(sch.dataset.utc).toLocaleString();
          function poll(){fetch('/api/help-requests/'+encodeURIComponent(id)).then(function(r){return r.json();}).then(function(v){
            document.getElementById('status').textContent=texts[v.status]||v.status;
            document.getElementById('position').textContent=v.position>0?String(v.position):'\u2013';
            document.getElementById('ewt').textContent=waitText(v.ewtSeconds);}).catch(function(){});}
          setInterval(poll,5000);
        }
        function alert(el){
          var id=el.dataset.id,topic=el.dataset.topic||'';
          function poll(){fetch('/api/alerts/'+encodeURIComponent(id)).then(function(r){return r.json();}).then(function(a){
            document.getElementById('ewt').textContent=waitText(a.ewtSeconds);
            if(a.status==='triggered')el.textContent='The wait for '+topic+' is now short: call us or ask for a call-back.';}).catch(function(){});}
          setInterval(poll,5000);
        }
        if(document.getElementById('field-timeZone'))form();
        var request=document.getElementById('request');if(request)status(request);
        var watched=document.getElementById('alert');if(watched)alert(watched);
        })();
        """;
}
