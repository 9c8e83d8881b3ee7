using System.Globalization;
using System.Net;
using Beacon.Echo;

// beacon-echo --listen 127.0.0.1:PORT [--listen ...] --name NAME --namespace NS
//             [--h2c] [--body-bytes N] [--log-requests]
// Prints one "listening on http://ADDR:PORT" line per bound endpoint, then serves until
// SIGTERM or Ctrl+C.
var listen = new List<IPEndPoint>();
string name = "echo", ns = "default";
bool h2c = false, logRequests = false;
int? bodyBytes = null;
for (var i = 0; i < args.Length; i++)
{
    string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--listen": listen.Add(IPEndPoint.Parse(Value())); break;
        case "--name": name = Value(); break;
        case "--namespace": ns = Value(); break;
        case "--h2c": h2c = true; break;
        case "--body-bytes": bodyBytes = int.Parse(Value(), NumberStyles.None, CultureInfo.InvariantCulture); break;
        case "--log-requests": logRequests = true; break;
        default:
            Console.Error.WriteLine($"unknown argument {args[i]}");
            Console.Error.WriteLine("usage: beacon-echo --listen ADDR:PORT [--listen ...] --name NAME --namespace NS [--h2c] [--body-bytes N] [--log-requests]");
            return 2;
    }
}

if (listen.Count == 0)
{
    listen.Add(new IPEndPoint(IPAddress.Loopback, 0));
}

TextWriter? requestLog = null;
if (logRequests)
{
    requestLog = TextWriter.Synchronized(new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true });
}

await using var server = await EchoServer.StartAsync(
    new EchoServerOptions { Listen = listen, Name = name, Namespace = ns, H2c = h2c, BodyBytes = bodyBytes, RequestLog = requestLog },
    CancellationToken.None);
foreach (var endpoint in server.Endpoints)
{
    Console.WriteLine($"listening on http://{endpoint}");
}

await server.WaitForShutdownAsync(CancellationToken.None);
return 0;
