using System.Net;
using System.Net.Http.Json;
using Omni.Carts;
using Omni.Common;
using Omni.Inventory;
using Omni.LoadTests.GraphQL;
using Omni.LoadTests.Runner;
using Omni.LoadTests.Scenarios;

namespace Omni.LoadTests.Ceilings;

/// <summary>A virtual user that repeats one body.</summary>
public sealed class LoopUser(Func<Step, Task> body) : IVirtualUser
{
    public Task Step(Step step) => body(step);
}

/// <summary>
/// The same call three ways, one layer fewer each time: through GraphQL, through a bare ASP.NET Core
/// endpoint of the API node (<c>/bench/*</c>, opt-in) that makes the same grain call, and from a raw
/// Orleans client calling the grain method itself.
/// </summary>
public static class Loops
{
    public const string BenchOff =
        "the API's bench endpoints are off: start it with Omni__Bench__Endpoints=true (OMNI_BENCH=1 ./omni up)";

    // ------------------------------------------------------------------ availability (browse)

    public static Ceiling GraphQLAvailability() => new LoopCeiling("GraphQL availability(sku)", CeilingKind.GraphQL,
        "one availability(sku) query per call (all locations' levels), over HTTP", "availability",
        async (context, users, ct) =>
        {
            var skus = (await context.Network(ct)).Skus;
            return Users(users, context, (device, step) => Availability(device.GraphQL, step, skus[device.Random.Next(skus.Count)]));
        });

    public static Ceiling BareAvailability() => new LoopCeiling("bare GET /bench/availability", CeilingKind.Bare,
        "the API node calls ISkuGrain.GetAvailability and writes the JSON: no GraphQL", "availability",
        async (context, users, ct) =>
        {
            var skus = (await context.Network(ct)).Skus;
            await RequireBench(context, new Uri(context.Node(0).Node, $"/bench/availability?sku={skus[0]}"), ct);
            return Users(users, context, (device, step) =>
                Bare(device.GraphQL, step, "availability", HttpMethod.Get, $"/bench/availability?sku={Uri.EscapeDataString(skus[device.Random.Next(skus.Count)])}", null, null));
        });

    public static Ceiling OrleansAvailability() => new LoopCeiling("Orleans ISkuGrain.GetAvailability", CeilingKind.Orleans,
        "a raw Orleans client (2 gateway connections) calling the grain method: no HTTP, no GraphQL", "availability",
        async (context, users, ct) =>
        {
            var skus = (await context.Network(ct)).Skus;
            var grains = await OrleansClients(context, ct);
            return Users(users, context, (device, step) =>
                step.Measure("availability", _ => grains[device.Random.Next(grains.Length)].Ref<ISkuGrain>(skus[device.Random.Next(skus.Count)]).GetAvailability()));
        });

    // ------------------------------------------------------------------ cart lines (cart)

    public static Ceiling GraphQLAddCartLine() => new LoopCeiling("GraphQL addCartLine", CeilingKind.GraphQL,
        "addCartLine (SHIP, 1 unit, a new line each time) on an anonymous cart, 20 lines a cart", "addCartLine",
        async (context, users, ct) =>
        {
            var skus = (await context.Network(ct)).Skus;
            return Users(users, context, () => new CartLoopState(), (device, state, step) => CartLoop(step, device.Random, state, skus,
                async () => await StartAnonymousCart(device.GraphQL, step.Cancellation),
                async (cart, sku) =>
                {
                    var response = await step.Measure("addCartLine",
                        c => device.GraphQL.Send(Documents.AddCartLine, new { cartId = cart, sku, quantity = 1, fulfillment = new { kind = "SHIP" } }, cancellationToken: c),
                        GraphQLResponse.ErrorOf);
                    using (response)
                    {
                        if (response is not null && Payload.ErrorCode(response["addCartLine"]) is { } code)
                        {
                            step.Refused("addCartLine", code);
                        }
                    }
                }));
        });

    public static Ceiling BareCartLine() => new LoopCeiling("bare POST /bench/cart-line", CeilingKind.Bare,
        "the API node makes addCartLine's grain call (ICartGrain.AddLine, which checks the caller) and writes the JSON: no GraphQL", "addCartLine",
        async (context, users, ct) =>
        {
            var skus = (await context.Network(ct)).Skus;
            await RequireBench(context, new Uri(context.Node(0).Node, $"/bench/availability?sku={skus[0]}"), ct);
            return Users(users, context, () => new CartLoopState(), (device, state, step) => CartLoop(step, device.Random, state, skus,
                async () => await StartAnonymousCart(device.GraphQL, step.Cancellation),
                (cart, sku) => Bare(device.GraphQL, step, "addCartLine", HttpMethod.Post, "/bench/cart-line", new { cartId = cart, sku, quantity = 1 }, null)));
        });

    public static Ceiling OrleansAddLine() => new LoopCeiling("Orleans ICartGrain.AddLine", CeilingKind.Orleans,
        "a raw Orleans client calling ICartGrain.AddLine (SHIP, 1 unit, a new line each time), 20 lines a cart", "addCartLine",
        async (context, users, ct) =>
        {
            var skus = (await context.Network(ct)).Skus;
            var grains = await OrleansClients(context, ct);
            return Users(users, context, () => new CartLoopState(), (device, state, step) => CartLoop(step, device.Random, state, skus,
                async () =>
                {
                    var id = Guid.NewGuid();
                    await grains[0].Ref<ICartGrain>(id).Open(null, Channel.WEB);
                    return id.ToString("D");
                },
                async (cart, sku) =>
                {
                    var result = await step.Measure("addCartLine", _ => grains[device.Random.Next(grains.Length)].Ref<ICartGrain>(Guid.Parse(cart))
                        .AddLine(sku, 1, Fulfillment.Ship, new ChangeContext(Channel.WEB)));
                    if (result is { Succeeded: false })
                    {
                        step.Refused("addCartLine", result.Errors[0].Code.ToString());
                    }
                }));
        });

    // ------------------------------------------------------------------ reservations (pos, flash sale)

    public static Ceiling GraphQLReserve(int skus) => new LoopCeiling($"GraphQL reserveStock ({Spread(skus)})", CeilingKind.GraphQL,
        $"reserveStock of 1 unit (60 s hold) at w1, {Spread(skus)}, ops token", "reserve",
        async (context, users, ct) =>
        {
            var (items, token) = await CeilingItems(context, skus, ct);
            return Users(users, context, (device, step) => GraphQLReserve(device.GraphQL, step, items[device.Random.Next(items.Count)], token));
        });

    public static Ceiling BareReserve(int skus) => new LoopCeiling($"bare POST /bench/reserve ({Spread(skus)})", CeilingKind.Bare,
        $"the API node calls IInventoryGrain.Reserve (1 unit, 60 s hold) at w1, {Spread(skus)}, and writes the JSON: no GraphQL", "reserve",
        async (context, users, ct) =>
        {
            var (items, token) = await CeilingItems(context, skus, ct);
            await RequireBench(context, new Uri(context.Node(0).Node, $"/bench/availability?sku={items[0]}"), ct);
            return Users(users, context, (device, step) => Bare(device.GraphQL, step, "reserve", HttpMethod.Post, "/bench/reserve",
                new { storeId = "w1", sku = items[device.Random.Next(items.Count)], quantity = 1, reservationId = $"ceil-{Guid.NewGuid():N}", ttlSeconds = 60 }, token));
        });

    public static Ceiling OrleansReserve(int skus) => new LoopCeiling($"Orleans IInventoryGrain.Reserve ({Spread(skus)})", CeilingKind.Orleans,
        $"a raw Orleans client calling IInventoryGrain.Reserve (1 unit, 60 s hold) at w1, {Spread(skus)}", "reserve",
        async (context, users, ct) =>
        {
            var (items, _) = await CeilingItems(context, skus, ct);
            var grains = await OrleansClients(context, ct);
            return Users(users, context, (device, step) => Reserve(step, grains[device.Random.Next(grains.Length)], items[device.Random.Next(items.Count)]));
        });

    // ------------------------------------------------------------------ live cart (live)

    /// <summary>
    /// Change-to-observer delay without the API: a raw Orleans client subscribes an <see cref="ICartObserver"/>
    /// to each cart and changes it, timing from the acknowledgement to the callback.
    /// </summary>
    public static Ceiling OrleansCartObserver() => new LoopCeiling("Orleans ICartObserver (change to callback)", CeilingKind.Orleans,
        "a raw Orleans client changes its own cart (AddLine / RemoveLine) and times the call's start to its ICartObserver callback: no API, no WebSocket",
        "cart event delay", async (context, users, ct) =>
        {
            var skus = (await context.Network(ct)).Skus;
            var grains = (await OrleansClients(context, ct))[0];
            var observers = new List<IVirtualUser>();
            for (var i = 0; i < users; i++)
            {
                var cart = grains.Ref<ICartGrain>(Guid.NewGuid());
                await cart.Open(null, Channel.WEB);
                var observer = new CartObserver(context.Time);
                await cart.Subscribe(grains.CreateObjectReference<ICartObserver>(observer));
                var random = context.Random(4000 + i);
                observers.Add(new LoopUser(async step =>
                {
                    var before = await cart.Get();
                    var sent = context.Time.GetTimestamp();
                    var result = before!.Lines.Count > 0
                        ? await cart.RemoveLine(before.Lines[0].Id, new ChangeContext(Channel.WEB))
                        : await cart.AddLine(skus[random.Next(skus.Count)], 1, Fulfillment.Ship, new ChangeContext(Channel.WEB));
                    var acknowledged = context.Time.GetTimestamp();
                    if (!result.Succeeded)
                    {
                        step.Refused("cart event delay", result.Errors[0].Code.ToString());
                        return;
                    }
                    if (await observer.WaitFor(result.Cart!.Version, TimeSpan.FromSeconds(10)) is { } arrived)
                    {
                        step.Record("cart event delay", sent, arrived);
                        step.Record("cart event delay (after ack)", acknowledged, Math.Max(acknowledged, arrived));
                    }
                    else
                    {
                        step.Fail("cart event delay", "event missing");
                    }
                }));
            }
            return observers;
        }, "events/s");

    // ------------------------------------------------------------------ helpers

    private static IReadOnlyList<IVirtualUser> Users(int count, ScenarioContext context, Func<Device, Step, Task> body) =>
        Users<object?>(count, context, () => null, (device, _, step) => body(device, step));

    /// <summary>Users with a random source, a client (from an address of their own) and a state of their own each.</summary>
    private static IReadOnlyList<IVirtualUser> Users<TState>(int count, ScenarioContext context, Func<TState> state, Func<Device, TState, Step, Task> body)
    {
        var users = new IVirtualUser[count];
        for (var i = 0; i < count; i++)
        {
            var device = new Device(context.Random(1000 + i), context.Client(8000 + i, 0));
            var own = state();
            users[i] = new LoopUser(step => body(device, own, step));
        }
        return users;
    }

    /// <summary>One loop user's random source and GraphQL client (whose HttpClient the bare calls use too).</summary>
    private sealed record Device(Random Random, GraphQLClient GraphQL);

    private static async Task Availability(GraphQLClient graphql, Step step, string sku)
    {
        using var response = await step.Measure("availability",
            ct => graphql.Send(Documents.Availability, new { sku }, cancellationToken: ct), GraphQLResponse.ErrorOf);
    }

    private static async Task Bare(GraphQLClient device, Step step, string operation, HttpMethod method, string path, object? body, string? token)
    {
        await step.Measure(operation, async ct =>
        {
            using var request = new HttpRequestMessage(method, new Uri(device.Node, path));
            if (body is not null)
            {
                request.Content = JsonContent.Create(body);
            }
            if (token is not null)
            {
                request.Headers.Authorization = new("Bearer", token);
            }
            using var response = await device.Http.SendAsync(request, ct);
            return new BareResponse(response.StatusCode, await response.Content.ReadAsStringAsync(ct));
        }, r => r.Status == HttpStatusCode.OK ? null : $"http-{(int)r.Status}");
    }

    private sealed record BareResponse(HttpStatusCode Status, string Body);

    private static async Task RequireBench(ScenarioContext context, Uri probe, CancellationToken cancellationToken)
    {
        using var response = await context.Http.GetAsync(probe, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            throw new CeilingUnavailableException(BenchOff);
        }
    }

    /// <summary>Each user fills a cart with up to 20 lines, one new SKU per step, then starts another cart (not timed).</summary>
    private static async Task CartLoop(Step step, Random random, CartLoopState state, IReadOnlyList<string> skus, Func<Task<string>> newCart,
        Func<string, string, Task> addLine)
    {
        if (state.Cart is null || state.Lines >= 20)
        {
            state.Cart = await newCart();
            state.Lines = 0;
            state.Skus = [.. skus.OrderBy(_ => random.Next()).Take(20)];
        }
        await addLine(state.Cart, state.Skus[state.Lines++ % state.Skus.Length]);
    }

    private sealed class CartLoopState
    {
        public string? Cart { get; set; }
        public int Lines { get; set; }
        public string[] Skus { get; set; } = [];
    }

    private static async Task<string> StartAnonymousCart(GraphQLClient graphql, CancellationToken cancellationToken)
    {
        using var response = await graphql.Send(Documents.StartSession, new { channel = "WEB" }, cancellationToken: cancellationToken);
        return response.Require("startSession").Get("session").String("cartId")!;
    }

    private static async Task GraphQLReserve(GraphQLClient graphql, Step step, string sku, string token)
    {
        using var response = await step.Measure("reserve", ct => graphql.Send(Documents.ReserveStock,
            new { storeId = "w1", sku, quantity = 1, reservationId = $"ceil-{Guid.NewGuid():N}", ttlSeconds = 60 }, token, ct), GraphQLResponse.ErrorOf);
        if (response is not null && Payload.ErrorCode(response["reserveStock"]) is { } code)
        {
            step.Refused("reserve", code);
        }
    }

    private static async Task Reserve(Step step, IClusterClient grains, string sku)
    {
        var result = await step.Measure("reserve", _ => grains.Inventory("w1", sku).Reserve($"ceil-{Guid.NewGuid():N}", 1, TimeSpan.FromSeconds(60), "load-test"));
        if (result is { Succeeded: false })
        {
            step.Refused("reserve", result.Error!.Code.ToString());
        }
    }

    private static string Spread(int skus) => skus == 1 ? "one hot SKU" : $"{skus} SKUs";

    private static async Task<IClusterClient[]> OrleansClients(ScenarioContext context, CancellationToken cancellationToken)
    {
        if (!context.Target.HasPostgres)
        {
            throw new CeilingUnavailableException("no PostgreSQL connection string, so no Orleans client (pass --postgres)");
        }
        return await context.Orleans(2, cancellationToken);
    }

    /// <summary>Fresh SKUs at w1 with a million units each, so reservation loops never sell out.</summary>
    private static async Task<(IReadOnlyList<string> Skus, string Token)> CeilingItems(ScenarioContext context, int count, CancellationToken cancellationToken)
    {
        var token = await context.Tokens.Ops(context.Node(0).Node);
        var skus = Enumerable.Range(0, count).Select(i => $"CEIL-{context.RunId}-{i}").ToList();
        foreach (var sku in skus)
        {
            await Setup.DefineProduct(context, token, sku, "Ceiling item", cancellationToken);
            await Setup.Receive(context, token, "w1", sku, 1_000_000, $"ceil-{sku}", cancellationToken);
        }
        return (skus, token);
    }

    /// <summary>Receives a cart's states; <see cref="WaitFor"/> completes when a version has arrived.</summary>
    private sealed class CartObserver(TimeProvider time) : ICartObserver
    {
        private readonly Dictionary<long, long> _arrived = [];
        private readonly Dictionary<long, TaskCompletionSource<long>> _waiting = [];
        private readonly Lock _lock = new();

        public Task CartChanged(CartView cart)
        {
            var now = time.GetTimestamp();
            lock (_lock)
            {
                _arrived[cart.Version] = now;
                if (_waiting.Remove(cart.Version, out var waiter))
                {
                    waiter.TrySetResult(now);
                }
            }
            return Task.CompletedTask;
        }

        public async Task<long?> WaitFor(long version, TimeSpan timeout)
        {
            TaskCompletionSource<long> waiter;
            lock (_lock)
            {
                if (_arrived.Remove(version, out var at))
                {
                    return at;
                }
                waiter = _waiting[version] = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            try
            {
                return await waiter.Task.WaitAsync(timeout);
            }
            catch (TimeoutException)
            {
                return null;
            }
        }
    }
}
