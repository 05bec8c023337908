namespace Omni.LoadTests.GraphQL;

/// <summary>The GraphQL documents the scenarios send: written against the public contract (schema.graphql).</summary>
public static class Documents
{
    private const string Level = "sku storeId onHand reserved safetyStock available version";
    private const string AvailabilityFields = $"sku onlineAvailable totalAvailable locations {{ {Level} }}";
    private const string CartFields = "id version checkedOut lines { id sku quantity fulfillment storeId reservationId }";
    private const string PayloadErrors = "errors { code message field }";

    public const string Stores = "query Stores { stores { id kind latitude longitude shipsOnline pickupEnabled } }";

    public const string Products = "query Products($first: Int!, $after: ID) { products(first: $first, after: $after) { sku name unitPrice currency } }";

    public const string Availability = $"query Availability($sku: ID!) {{ availability(sku: $sku) {{ {AvailabilityFields} }} }}";

    public const string Availabilities = $"query Availabilities($skus: [ID!]!) {{ availabilities(skus: $skus) {{ {AvailabilityFields} }} }}";

    public const string NearestStoresWithStock =
        "query Nearest($sku: ID!, $quantity: Int!, $latitude: Float!, $longitude: Float!) { nearestStoresWithStock(sku: $sku, quantity: $quantity, latitude: $latitude, longitude: $longitude, first: 5) { store { id name } available distanceKm } }";

    public const string Stock = $"query Stock($sku: ID!, $storeId: ID!) {{ stock(sku: $sku, storeId: $storeId) {{ {Level} }} }}";

    public const string StartSession = "mutation StartSession($channel: Channel!) { startSession(channel: $channel) { session { id cartId channel customerId } errors { code message field } } }";

    public const string AddCartLine =
        $"mutation AddCartLine($cartId: ID!, $sku: ID!, $quantity: Int!, $fulfillment: FulfillmentInput, $sessionId: ID) {{ addCartLine(cartId: $cartId, sku: $sku, quantity: $quantity, fulfillment: $fulfillment, sessionId: $sessionId) {{ cart {{ {CartFields} }} {PayloadErrors} }} }}";

    public const string SetCartLineQuantity =
        $"mutation SetCartLineQuantity($cartId: ID!, $lineId: ID!, $quantity: Int!, $sessionId: ID) {{ setCartLineQuantity(cartId: $cartId, lineId: $lineId, quantity: $quantity, sessionId: $sessionId) {{ cart {{ {CartFields} }} {PayloadErrors} }} }}";

    public const string RemoveCartLine =
        $"mutation RemoveCartLine($cartId: ID!, $lineId: ID!, $sessionId: ID) {{ removeCartLine(cartId: $cartId, lineId: $lineId, sessionId: $sessionId) {{ cart {{ {CartFields} }} {PayloadErrors} }} }}";

    public const string Checkout =
        $"mutation Checkout($cartId: ID!, $idempotencyKey: ID!) {{ checkout(cartId: $cartId, idempotencyKey: $idempotencyKey) {{ order {{ id status lines {{ sku quantity storeId }} }} cart {{ {CartFields} }} {PayloadErrors} }} }}";

    public const string Cart = $"query Cart($id: ID!) {{ cart(id: $id) {{ {CartFields} }} }}";

    public const string Order = "query Order($id: ID!) { order(id: $id) { id status cartId lines { sku quantity storeId } } }";

    public const string ReserveStock =
        $"mutation ReserveStock($storeId: ID!, $sku: ID!, $quantity: Int!, $reservationId: ID!, $ttlSeconds: Int) {{ reserveStock(storeId: $storeId, sku: $sku, quantity: $quantity, reservationId: $reservationId, ttlSeconds: $ttlSeconds) {{ reservation {{ id quantity }} stock {{ {Level} }} {PayloadErrors} }} }}";

    public const string CommitReservation =
        $"mutation CommitReservation($storeId: ID!, $sku: ID!, $reservationId: ID!) {{ commitReservation(storeId: $storeId, sku: $sku, reservationId: $reservationId) {{ stock {{ {Level} }} {PayloadErrors} }} }}";

    public const string ReleaseReservation =
        $"mutation ReleaseReservation($storeId: ID!, $sku: ID!, $reservationId: ID!) {{ releaseReservation(storeId: $storeId, sku: $sku, reservationId: $reservationId) {{ stock {{ {Level} }} {PayloadErrors} }} }}";

    public const string RecordSale =
        $"mutation RecordSale($storeId: ID!, $sku: ID!, $quantity: Int!, $saleId: ID!) {{ recordSale(storeId: $storeId, sku: $sku, quantity: $quantity, saleId: $saleId) {{ stock {{ {Level} }} {PayloadErrors} }} }}";

    public const string ReceiveStock =
        $"mutation ReceiveStock($storeId: ID!, $sku: ID!, $quantity: Int!, $movementId: ID!) {{ receiveStock(storeId: $storeId, sku: $sku, quantity: $quantity, movementId: $movementId) {{ stock {{ {Level} }} {PayloadErrors} }} }}";

    /// <summary>Not in the contract: the API's ops mutation for a new product (flash-sale setup).</summary>
    public const string DefineProduct =
        "mutation DefineProduct($input: ProductInput!) { defineProduct(input: $input) { errors { code message field } } }";

    public const string TopUpWallet = "mutation TopUpWallet($amount: Float!, $key: ID!) { topUpWallet(amount: $amount, idempotencyKey: $key) { wallet { balance version } errors { code message field } } }";

    public const string ChargeWallet =
        "mutation ChargeWallet($customerId: ID!, $storeId: ID!, $amount: Float!, $chargeId: ID!) { chargeWallet(customerId: $customerId, storeId: $storeId, amount: $amount, chargeId: $chargeId) { wallet { balance version } errors { code message field } } }";

    public const string MyWalletUpdated = "subscription MyWallet { myWalletUpdated { customerId balance points version } }";

    public const string MyCartUpdated = "subscription MyCart { myCartUpdated { id version lines { id sku quantity } } }";
}
