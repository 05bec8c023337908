using GraphQL;
using Omni.Api.Auth;
using Omni.Api.Carts;
using Omni.Api.Inventory;
using Omni.Carts;
using Omni.Common;
using Omni.Inventory;

namespace Omni.Api.Bench;

/// <summary>
/// Opt-in endpoints (<c>Omni:Bench:Endpoints</c>, off by default; <c>OMNI_BENCH=1 ./omni up</c> turns
/// them on) that make the same grain calls as GraphQL fields, with the same access checks, but
/// without GraphQL: the load tests' "bare endpoint" ceiling, so a benchmark can say what GraphQL costs.
/// </summary>
public static partial class BenchEndpoints
{
    public const string SettingName = "Omni:Bench:Endpoints";

    public static WebApplication MapBenchEndpoints(this WebApplication app)
    {
        if (!app.Configuration.GetValue<bool>(SettingName))
        {
            return app;
        }
        LogEnabled(app.Logger);
        var bench = app.MapGroup("/bench");

        // availability(sku)
        bench.MapGet("/availability", async (string sku, IClusterClient grains) =>
            Results.Ok(await InventoryQueries.Availability(grains, sku)));

        // addCartLine(cartId, sku, quantity): one call; the cart grain checks the caller itself.
        bench.MapPost("/cart-line", async (CartLineRequest request, HttpContext http, IClusterClient grains) =>
        {
            var caller = Caller.From(http.User);
            var result = await grains.Ref<ICartGrain>(request.CartId).AddLine(request.Sku, request.Quantity,
                request.Fulfillment ?? Fulfillment.Ship, new ChangeContext(Actor: CartMutations.ActorOf(caller)));
            return !result.Denied ? Results.Ok(result)
                : Results.StatusCode(caller.IsAuthenticated ? StatusCodes.Status403Forbidden : StatusCodes.Status401Unauthorized);
        });

        // reserveStock(storeId, sku, quantity, reservationId, ttlSeconds)
        bench.MapPost("/reserve", async (ReserveRequest request, HttpContext http, IClusterClient grains) =>
            await Authorized(http, caller => caller.EnsureStaffOf(request.StoreId), async () =>
                InventoryAddress.IsValid(request.StoreId, request.Sku)
                    ? Results.Ok(await InventoryMutations.ReserveAtTill(grains, request.StoreId, request.Sku, request.Quantity,
                        request.ReservationId, request.TtlSeconds))
                    : Results.NotFound()));
        return app;
    }

    /// <summary>The GraphQL schema's access rules, answered as HTTP 401 / 403.</summary>
    private static async Task<IResult> Authorized(HttpContext http, Action<Caller> check, Func<Task<IResult>> then)
    {
        try
        {
            check(Caller.From(http.User));
        }
        catch (ExecutionError refused)
        {
            return Results.StatusCode(refused.Code == Schema.Refusals.Unauthenticated ? StatusCodes.Status401Unauthorized : StatusCodes.Status403Forbidden);
        }
        return await then();
    }

    public sealed record CartLineRequest(Guid CartId, string Sku, int Quantity, Fulfillment? Fulfillment);

    public sealed record ReserveRequest(string StoreId, string Sku, int Quantity, string ReservationId, int? TtlSeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bench endpoints are on (/bench/*, Omni:Bench:Endpoints): for load tests only")]
    private static partial void LogEnabled(ILogger logger);
}
