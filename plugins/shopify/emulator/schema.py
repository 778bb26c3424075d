"""The emulator's GraphQL schema: the part of Shopify's Admin API (2026-01) the emulator models.

Type, field, argument and enum names, types and nullability are Shopify's own, checked against
Shopify's published introspection (``tests/plugins/shopify/test_schema_contract.py`` over
``tests/fixtures/specs/shopify-admin-2026-01.json.gz``): every field of a modelled type is here
unless it leads to a kind of record the emulator does not keep (metafields, staff, locations,
events, fulfillment orders, ...), and enums carry all of Shopify's values. So a query with a
misspelled field, a field Shopify does not have, or a wrong argument fails validation here as it
does on Shopify. Versions from 2026-01 declare the ``@idempotent(key:)`` directive; older ones do
not, so using it there is an "unknown directive".
"""

from __future__ import annotations

from functools import lru_cache

from graphql import GraphQLSchema, build_schema

IDEMPOTENT_DIRECTIVE = "directive @idempotent(key: String!) on FIELD\n"

_CONNECTIONS = {
    "Customer": "CustomerConnection",
    "Order": "OrderConnection",
    "LineItem": "LineItemConnection",
    "DraftOrder": "DraftOrderConnection",
    "DraftOrderLineItem": "DraftOrderLineItemConnection",
    "ProductVariant": "ProductVariantConnection",
    "SubscriptionContract": "SubscriptionContractConnection",
    "SubscriptionLine": "SubscriptionLineConnection",
    "RefundLineItem": "RefundLineItemConnection",
}

PAGE_ARGS = "first: Int, after: String, last: Int, before: String"


def _connection_types() -> str:
    parts = []
    for node, connection in _CONNECTIONS.items():
        edge = connection.replace("Connection", "Edge")
        parts.append(
            f"type {connection} {{ edges: [{edge}!]! nodes: [{node}!]! pageInfo: PageInfo! }}\n"
            f"type {edge} {{ cursor: String! node: {node}! }}\n"
        )
    return "".join(parts)


SCALARS = """
schema { query: QueryRoot mutation: Mutation }

scalar DateTime
scalar Decimal
scalar HTML
scalar JSON
scalar Money
scalar StorefrontID
scalar UnsignedInt64
scalar URL

interface Node { id: ID! }
interface LegacyInteroperability { legacyResourceId: UnsignedInt64! }
interface DisplayableError { field: [String!] message: String! }
"""

# Shopify's enums with all their values (an answer may carry any of them, a client may send any).
ENUMS = """
enum Audience {
  CUSTOMERVIEW MERCHANTVIEW
}
enum CombinedListingsRole {
  CHILD PARENT
}
enum CountryCode {
  AC AD AE AF AG AI AL AM AN AO AR AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV
  BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES
  ET FI FJ FK FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GW GY HK HM HN HR HT HU ID IE IL IM
  IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC
  MD ME MF MG MK ML MM MN MO MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE
  PF PG PH PK PL PM PN PS PT PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
  SX SY SZ TA TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VN VU WF WS
  XK YE YT ZA ZM ZW ZZ
}
enum CurrencyCode {
  AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BYR BZD
  CAD CDF CHF CLP CNY COP CRC CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ
  GYD HKD HNL HRK HTG HUF IDR ILS INR IQD IRR ISK JEP JMD JOD JPY KES KGS KHR KID KMF KRW KWD KYD KZT LAK
  LBP LKR LRD LSL LTL LVL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR
  NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLL SOS SRD SSP STD
  STN SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USDC UYU UZS VED VEF VES VND VUV WST XAF
  XCD XOF XPF XXX YER ZAR ZMW
}
enum CustomerConsentCollectedFrom {
  OTHER SHOPIFY
}
enum CustomerEmailAddressMarketingState {
  INVALID NOT_SUBSCRIBED PENDING SUBSCRIBED UNSUBSCRIBED
}
enum CustomerEmailAddressOpenTrackingLevel {
  OPTED_IN OPTED_OUT UNKNOWN
}
enum CustomerEmailMarketingConsentUpdateUserErrorCode {
  INCLUSION INTERNAL_ERROR INVALID MISSING_ARGUMENT
}
enum CustomerEmailMarketingState {
  INVALID NOT_SUBSCRIBED PENDING REDACTED SUBSCRIBED UNSUBSCRIBED
}
enum CustomerMarketingOptInLevel {
  CONFIRMED_OPT_IN SINGLE_OPT_IN UNKNOWN
}
enum CustomerProductSubscriberStatus {
  ACTIVE CANCELLED EXPIRED FAILED NEVER_SUBSCRIBED PAUSED
}
enum CustomerSmsMarketingConsentErrorCode {
  INCLUSION INTERNAL_ERROR INVALID MISSING_ARGUMENT
}
enum CustomerSmsMarketingState {
  NOT_SUBSCRIBED PENDING REDACTED SUBSCRIBED UNSUBSCRIBED
}
enum CustomerSortKeys {
  CREATED_AT ID LOCATION NAME RELEVANCE UPDATED_AT
}
enum CustomerState {
  DECLINED DISABLED ENABLED INVITED
}
enum DraftOrderAppliedDiscountType {
  FIXED_AMOUNT PERCENTAGE
}
enum DraftOrderSortKeys {
  CUSTOMER_NAME ID NUMBER RELEVANCE STATUS TOTAL_PRICE UPDATED_AT
}
enum DraftOrderStatus {
  COMPLETED INVOICE_SENT OPEN
}
enum FulfillmentDisplayStatus {
  ATTEMPTED_DELIVERY CANCELED CARRIER_PICKED_UP CONFIRMED DELAYED DELIVERED FAILURE FULFILLED IN_TRANSIT
  LABEL_PRINTED LABEL_PURCHASED LABEL_VOIDED MARKED_AS_FULFILLED NOT_DELIVERED OUT_FOR_DELIVERY PICKED_UP
  READY_FOR_PICKUP SUBMITTED
}
enum FulfillmentStatus {
  CANCELLED ERROR FAILURE OPEN PENDING SUCCESS
}
enum MailingAddressValidationResult {
  ERROR NO_ISSUES WARNING
}
enum NotificationUsage {
  SMS WEB
}
enum OrderAdjustmentInputDiscrepancyReason {
  CUSTOMER DAMAGE OTHER RESTOCK
}
enum OrderCancelReason {
  CUSTOMER DECLINED FRAUD INVENTORY OTHER STAFF
}
enum OrderDisplayFinancialStatus {
  AUTHORIZED EXPIRED PAID PARTIALLY_PAID PARTIALLY_REFUNDED PENDING REFUNDED VOIDED
}
enum OrderDisplayFulfillmentStatus {
  FULFILLED IN_PROGRESS ON_HOLD OPEN PARTIALLY_FULFILLED PENDING_FULFILLMENT REQUEST_DECLINED RESTOCKED
  SCHEDULED UNFULFILLED
}
enum OrderReturnStatus {
  INSPECTION_COMPLETE IN_PROGRESS NO_RETURN RETURNED RETURN_FAILED RETURN_REQUESTED
}
enum OrderRiskLevel {
  HIGH LOW MEDIUM
}
enum OrderSortKeys {
  CREATED_AT CURRENT_TOTAL_PRICE CUSTOMER_NAME DESTINATION FINANCIAL_STATUS FULFILLMENT_STATUS ID
  ORDER_NUMBER PO_NUMBER PROCESSED_AT RELEVANCE TOTAL_ITEMS_QUANTITY TOTAL_PRICE UPDATED_AT
}
enum OrderTransactionErrorCode {
  AMAZON_PAYMENTS_INVALID_PAYMENT_METHOD AMAZON_PAYMENTS_MAX_AMOUNT_CHARGED
  AMAZON_PAYMENTS_MAX_AMOUNT_REFUNDED AMAZON_PAYMENTS_MAX_AUTHORIZATIONS_CAPTURED
  AMAZON_PAYMENTS_MAX_REFUNDS_PROCESSED AMAZON_PAYMENTS_ORDER_REFERENCE_CANCELED AMAZON_PAYMENTS_STALE
  CALL_ISSUER CARD_DECLINED CONFIG_ERROR EXPIRED_CARD GENERIC_ERROR INCORRECT_ADDRESS INCORRECT_CVC
  INCORRECT_NUMBER INCORRECT_PIN INCORRECT_ZIP INVALID_AMOUNT INVALID_COUNTRY INVALID_CVC
  INVALID_EXPIRY_DATE INVALID_NUMBER PAYMENT_METHOD_UNAVAILABLE PICK_UP_CARD PROCESSING_ERROR
  TEST_MODE_LIVE_CARD UNSUPPORTED_FEATURE
}
enum OrderTransactionKind {
  AUTHORIZATION CAPTURE CHANGE EMV_AUTHORIZATION REFUND SALE SUGGESTED_REFUND VOID
}
enum OrderTransactionStatus {
  AWAITING_RESPONSE ERROR FAILURE PENDING SUCCESS UNKNOWN
}
enum PaymentMethods {
  AMERICAN_EXPRESS BANCONTACT BITCOIN BOGUS CARTES_BANCAIRES DANKORT DINERS_CLUB DISCOVER DOGECOIN EFTPOS
  ELO FORBRUGSFORENINGEN INTERAC JCB LITECOIN MAESTRO MASTERCARD PAYPAL UNIONPAY VISA
}
enum ProductStatus {
  ACTIVE ARCHIVED DRAFT UNLISTED
}
enum ProductVariantInventoryPolicy {
  CONTINUE DENY
}
enum ProductVariantSortKeys {
  FULL_TITLE ID INVENTORY_LEVELS_AVAILABLE INVENTORY_MANAGEMENT INVENTORY_POLICY INVENTORY_QUANTITY NAME
  POPULAR POSITION RELEVANCE SKU TITLE
}
enum RefundLineItemRestockType {
  CANCEL LEGACY_RESTOCK NO_RESTOCK RETURN
}
enum ShopCustomerAccountsSetting {
  DISABLED OPTIONAL REQUIRED
}
enum SubscriptionContractLastBillingErrorType {
  CUSTOMER_ERROR INVENTORY_ERROR OTHER PAYMENT_ERROR
}
enum SubscriptionContractLastPaymentStatus {
  FAILED SUCCEEDED
}
enum SubscriptionContractStatusUpdateErrorCode {
  CONTRACT_TERMINATED INVALID
}
enum SubscriptionContractSubscriptionStatus {
  ACTIVE CANCELLED EXPIRED FAILED PAUSED
}
enum SubscriptionContractsSortKeys {
  CREATED_AT ID STATUS UPDATED_AT
}
enum TaxExemption {
  CA_BC_COMMERCIAL_FISHERY_EXEMPTION CA_BC_CONTRACTOR_EXEMPTION CA_BC_PRODUCTION_AND_MACHINERY_EXEMPTION
  CA_BC_RESELLER_EXEMPTION CA_BC_SUB_CONTRACTOR_EXEMPTION CA_DIPLOMAT_EXEMPTION
  CA_MB_COMMERCIAL_FISHERY_EXEMPTION CA_MB_FARMER_EXEMPTION CA_MB_RESELLER_EXEMPTION
  CA_NL_VPT_RESELLER_EXEMPTION CA_NS_COMMERCIAL_FISHERY_EXEMPTION CA_NS_FARMER_EXEMPTION
  CA_ON_PURCHASE_EXEMPTION CA_PE_COMMERCIAL_FISHERY_EXEMPTION CA_SK_COMMERCIAL_FISHERY_EXEMPTION
  CA_SK_CONTRACTOR_EXEMPTION CA_SK_FARMER_EXEMPTION CA_SK_PRODUCTION_AND_MACHINERY_EXEMPTION
  CA_SK_RESELLER_EXEMPTION CA_SK_SUB_CONTRACTOR_EXEMPTION CA_SK_VPT_RESELLER_EXEMPTION
  CA_STATUS_CARD_EXEMPTION EU_REVERSE_CHARGE_EXEMPTION_RULE US_AK_RESELLER_EXEMPTION
  US_AL_RESELLER_EXEMPTION US_AR_RESELLER_EXEMPTION US_AZ_RESELLER_EXEMPTION US_CA_RESELLER_EXEMPTION
  US_CO_RESELLER_EXEMPTION US_CT_RESELLER_EXEMPTION US_DC_RESELLER_EXEMPTION US_DE_RESELLER_EXEMPTION
  US_FL_RESELLER_EXEMPTION US_GA_RESELLER_EXEMPTION US_HI_RESELLER_EXEMPTION US_IA_RESELLER_EXEMPTION
  US_ID_RESELLER_EXEMPTION US_IL_RESELLER_EXEMPTION US_IN_RESELLER_EXEMPTION US_KS_RESELLER_EXEMPTION
  US_KY_RESELLER_EXEMPTION US_LA_RESELLER_EXEMPTION US_MA_RESELLER_EXEMPTION US_MD_RESELLER_EXEMPTION
  US_ME_RESELLER_EXEMPTION US_MI_RESELLER_EXEMPTION US_MN_RESELLER_EXEMPTION US_MO_RESELLER_EXEMPTION
  US_MS_RESELLER_EXEMPTION US_MT_RESELLER_EXEMPTION US_NC_RESELLER_EXEMPTION US_ND_RESELLER_EXEMPTION
  US_NE_RESELLER_EXEMPTION US_NH_RESELLER_EXEMPTION US_NJ_RESELLER_EXEMPTION US_NM_RESELLER_EXEMPTION
  US_NV_RESELLER_EXEMPTION US_NY_RESELLER_EXEMPTION US_OH_RESELLER_EXEMPTION US_OK_RESELLER_EXEMPTION
  US_OR_RESELLER_EXEMPTION US_PA_RESELLER_EXEMPTION US_RI_RESELLER_EXEMPTION US_SC_RESELLER_EXEMPTION
  US_SD_RESELLER_EXEMPTION US_TN_RESELLER_EXEMPTION US_TX_RESELLER_EXEMPTION US_UT_RESELLER_EXEMPTION
  US_VA_RESELLER_EXEMPTION US_VT_RESELLER_EXEMPTION US_WA_RESELLER_EXEMPTION US_WI_RESELLER_EXEMPTION
  US_WV_RESELLER_EXEMPTION US_WY_RESELLER_EXEMPTION
}
enum UnitSystem {
  IMPERIAL_SYSTEM METRIC_SYSTEM
}
enum WeightUnit {
  GRAMS KILOGRAMS OUNCES POUNDS
}
"""

OBJECTS = f"""
type PageInfo {{
  endCursor: String hasNextPage: Boolean! hasPreviousPage: Boolean! startCursor: String
}}
type MoneyV2 {{
  amount: Decimal! currencyCode: CurrencyCode!
}}
type MoneyBag {{
  presentmentMoney: MoneyV2! shopMoney: MoneyV2!
}}
type Attribute {{
  key: String! value: String
}}
type UserError implements DisplayableError {{
  field: [String!] message: String!
}}
type MailingAddress implements Node {{
  address1: String address2: String city: String company: String coordinatesValidated: Boolean!
  country: String countryCode: String @deprecated countryCodeV2: CountryCode firstName: String
  formatted(withCompany: Boolean, withName: Boolean): [String!]! formattedArea: String id: ID!
  lastName: String latitude: Float longitude: Float name: String phone: String province: String
  provinceCode: String timeZone: String validationResultSummary: MailingAddressValidationResult
  zip: String
}}
type Shop implements Node {{
  analyticsToken: String! @deprecated checkoutApiSupported: Boolean! contactEmail: String!
  createdAt: DateTime! currencyCode: CurrencyCode! customerAccounts: ShopCustomerAccountsSetting!
  customers(
    {PAGE_ARGS} query: String reverse: Boolean sortKey: CustomerSortKeys
  ): CustomerConnection! @deprecated description: String email: String!
  enabledPresentmentCurrencies: [CurrencyCode!]! ianaTimezone: String! id: ID!
  marketingSmsConsentEnabledAtCheckout: Boolean! myshopifyDomain: String! name: String!
  orderNumberFormatPrefix: String! orderNumberFormatSuffix: String!
  orders(
    {PAGE_ARGS} query: String reverse: Boolean sortKey: OrderSortKeys
  ): OrderConnection! @deprecated
  productVariants(
    {PAGE_ARGS} query: String reverse: Boolean sortKey: ProductVariantSortKeys
  ): ProductVariantConnection! @deprecated publicationCount: Int! @deprecated richTextEditorUrl: URL!
  setupRequired: Boolean! shipsToCountries: [CountryCode!]! shopOwnerName: String!
  storefrontUrl: URL! @deprecated taxShipping: Boolean! taxesIncluded: Boolean!
  timezoneAbbreviation: String! timezoneOffset: String! timezoneOffsetMinutes: Int!
  transactionalSmsDisabled: Boolean! unitSystem: UnitSystem! updatedAt: DateTime! url: URL!
  weightUnit: WeightUnit!
}}
type CustomerEmailAddress {{
  emailAddress: String! marketingOptInLevel: CustomerMarketingOptInLevel
  marketingState: CustomerEmailAddressMarketingState! marketingUnsubscribeUrl: URL!
  marketingUpdatedAt: DateTime openTrackingLevel: CustomerEmailAddressOpenTrackingLevel!
  openTrackingUrl: URL! validFormat: Boolean!
}}
type CustomerPhoneNumber {{
  marketingCollectedFrom: CustomerConsentCollectedFrom @deprecated
  marketingOptInLevel: CustomerMarketingOptInLevel @deprecated
  marketingState: CustomerSmsMarketingState! @deprecated marketingUpdatedAt: DateTime @deprecated
  phoneNumber: String!
}}
type CustomerEmailMarketingConsentState {{
  consentUpdatedAt: DateTime marketingOptInLevel: CustomerMarketingOptInLevel
  marketingState: CustomerEmailMarketingState!
}}
type CustomerSmsMarketingConsentState {{
  consentCollectedFrom: CustomerConsentCollectedFrom consentUpdatedAt: DateTime
  marketingOptInLevel: CustomerMarketingOptInLevel! marketingState: CustomerSmsMarketingState!
}}
type Customer implements LegacyInteroperability & Node {{
  addresses(first: Int): [MailingAddress!]! @deprecated amountSpent: MoneyV2! canDelete: Boolean!
  createdAt: DateTime! dataSaleOptOut: Boolean! defaultAddress: MailingAddress
  defaultEmailAddress: CustomerEmailAddress defaultPhoneNumber: CustomerPhoneNumber displayName: String!
  email: String @deprecated(reason: "Use `defaultEmailAddress.emailAddress` instead.")
  emailMarketingConsent: CustomerEmailMarketingConsentState @deprecated firstName: String
  hasTimelineComment: Boolean! @deprecated id: ID! lastName: String lastOrder: Order
  legacyResourceId: UnsignedInt64! lifetimeDuration: String! locale: String! multipassIdentifier: String
  note: String numberOfOrders: UnsignedInt64!
  orders({PAGE_ARGS}, query: String, reverse: Boolean, sortKey: OrderSortKeys): OrderConnection!
  phone: String @deprecated(reason: "Use `defaultPhoneNumber.phoneNumber` instead.")
  productSubscriberStatus: CustomerProductSubscriberStatus!
  smsMarketingConsent: CustomerSmsMarketingConsentState @deprecated state: CustomerState!
  subscriptionContracts({PAGE_ARGS}, reverse: Boolean): SubscriptionContractConnection! tags: [String!]!
  taxExempt: Boolean! taxExemptions: [TaxExemption!]! unsubscribeUrl: URL! @deprecated
  updatedAt: DateTime! validEmailAddress: Boolean! @deprecated verifiedEmail: Boolean!
}}
type Product implements LegacyInteroperability & Node {{
  bodyHtml: String @deprecated combinedListingRole: CombinedListingsRole createdAt: DateTime!
  customProductType: String @deprecated defaultCursor: String! description(truncateAt: Int): String!
  descriptionHtml: HTML! descriptionPlainSummary: String! @deprecated giftCardTemplateSuffix: String
  handle: String! hasOnlyDefaultVariant: Boolean! hasOutOfStockVariants: Boolean!
  hasVariantsThatRequiresComponents: Boolean! id: ID! inCollection(id: ID!): Boolean!
  isGiftCard: Boolean! legacyResourceId: UnsignedInt64! onlineStorePreviewUrl: URL onlineStoreUrl: URL
  productType: String! publicationCount(onlyPublished: Boolean): Int! @deprecated publishedAt: DateTime
  publishedOnChannel(channelId: ID!): Boolean! @deprecated
  publishedOnCurrentChannel: Boolean! @deprecated publishedOnCurrentPublication: Boolean! @deprecated
  publishedOnPublication(publicationId: ID!): Boolean! requiresSellingPlan: Boolean!
  sellingPlanGroupCount: Int! @deprecated status: ProductStatus! storefrontId: StorefrontID! @deprecated
  tags: [String!]! templateSuffix: String title: String! totalInventory: Int!
  totalVariants: Int! @deprecated tracksInventory: Boolean! updatedAt: DateTime!
  variants({PAGE_ARGS}, reverse: Boolean, sortKey: ProductVariantSortKeys): ProductVariantConnection!
  vendor: String!
}}
type ProductVariant implements LegacyInteroperability & Node {{
  availableForSale: Boolean! barcode: String compareAtPrice: Money createdAt: DateTime!
  defaultCursor: String! displayName: String! id: ID! inventoryPolicy: ProductVariantInventoryPolicy!
  inventoryQuantity: Int legacyResourceId: UnsignedInt64! position: Int! price: Money! product: Product!
  requiresComponents: Boolean! sellableOnlineQuantity: Int! sellingPlanGroupCount: Int! @deprecated
  showUnitPrice: Boolean! sku: String storefrontId: StorefrontID! @deprecated taxCode: String @deprecated
  taxable: Boolean! title: String! unitPrice: MoneyV2 updatedAt: DateTime!
}}
type LineItemSellingPlan {{
  name: String! sellingPlanId: ID
}}
type LineItem implements Node {{
  canRestock: Boolean! @deprecated contract: SubscriptionContract currentQuantity: Int!
  customAttributes: [Attribute!]! discountedTotal: Money! @deprecated
  discountedTotalSet(withCodeDiscounts: Boolean): MoneyBag! discountedUnitPrice: Money! @deprecated
  discountedUnitPriceAfterAllDiscountsSet: MoneyBag! discountedUnitPriceSet: MoneyBag!
  fulfillableQuantity: Int! @deprecated fulfillmentStatus: String! @deprecated id: ID!
  isGiftCard: Boolean! merchantEditable: Boolean! name: String! nonFulfillableQuantity: Int!
  originalTotal: Money! @deprecated originalTotalSet: MoneyBag! originalUnitPrice: Money! @deprecated
  originalUnitPriceSet: MoneyBag! product: Product quantity: Int! refundableQuantity: Int!
  requiresShipping: Boolean! restockable: Boolean! sellingPlan: LineItemSellingPlan sku: String
  taxable: Boolean! title: String! totalDiscount: Money! @deprecated totalDiscountSet: MoneyBag!
  unfulfilledDiscountedTotal: Money! @deprecated unfulfilledDiscountedTotalSet: MoneyBag!
  unfulfilledOriginalTotal: Money! @deprecated unfulfilledOriginalTotalSet: MoneyBag!
  unfulfilledQuantity: Int! variant: ProductVariant variantTitle: String vendor: String
}}
type FulfillmentTrackingInfo {{
  company: String number: String url: URL
}}
type Fulfillment implements LegacyInteroperability & Node {{
  createdAt: DateTime! deliveredAt: DateTime displayStatus: FulfillmentDisplayStatus
  estimatedDeliveryAt: DateTime id: ID! inTransitAt: DateTime legacyResourceId: UnsignedInt64!
  name: String! order: Order! requiresShipping: Boolean! status: FulfillmentStatus! totalQuantity: Int!
  trackingInfo(first: Int): [FulfillmentTrackingInfo!]! updatedAt: DateTime!
}}
type RefundLineItem {{
  id: ID lineItem: LineItem! price: Money! @deprecated priceSet: MoneyBag! quantity: Int!
  restockType: RefundLineItemRestockType! restocked: Boolean! subtotal: Money! @deprecated
  subtotalSet: MoneyBag! totalTax: Money! @deprecated totalTaxSet: MoneyBag!
}}
type Refund implements LegacyInteroperability & Node {{
  createdAt: DateTime id: ID! legacyResourceId: UnsignedInt64! note: String order: Order!
  processedAt: DateTime! refundLineItems({PAGE_ARGS}, reverse: Boolean): RefundLineItemConnection!
  totalRefunded: MoneyV2! @deprecated totalRefundedSet: MoneyBag! updatedAt: DateTime!
}}
type OrderTransaction implements Node {{
  accountNumber: String amount: Money! @deprecated amountRoundingSet: MoneyBag amountSet: MoneyBag!
  amountV2: MoneyV2! @deprecated authorizationCode: String @deprecated authorizationExpiresAt: DateTime
  createdAt: DateTime! errorCode: OrderTransactionErrorCode formattedGateway: String gateway: String
  id: ID! kind: OrderTransactionKind! manualPaymentGateway: Boolean! manuallyCapturable: Boolean!
  maximumRefundable: Money @deprecated maximumRefundableV2: MoneyV2 multiCapturable: Boolean!
  order: Order parentTransaction: OrderTransaction paymentId: String
  paymentMethod: PaymentMethods @deprecated processedAt: DateTime receiptJson: JSON
  settlementCurrency: CurrencyCode settlementCurrencyRate: Decimal status: OrderTransactionStatus!
  test: Boolean! totalUnsettled: Money @deprecated totalUnsettledSet: MoneyBag
  totalUnsettledV2: MoneyV2 @deprecated
}}
type Order implements LegacyInteroperability & Node {{
  billingAddress: MailingAddress billingAddressMatchesShippingAddress: Boolean! canMarkAsPaid: Boolean!
  canNotifyCustomer: Boolean! cancelReason: OrderCancelReason cancelledAt: DateTime capturable: Boolean!
  cartDiscountAmount: Money @deprecated cartDiscountAmountSet: MoneyBag clientIp: String closed: Boolean!
  closedAt: DateTime confirmationNumber: String confirmed: Boolean! createdAt: DateTime!
  currencyCode: CurrencyCode! currentCartDiscountAmountSet: MoneyBag! currentShippingPriceSet: MoneyBag!
  currentSubtotalLineItemsQuantity: Int! currentSubtotalPriceSet: MoneyBag!
  currentTotalAdditionalFeesSet: MoneyBag currentTotalDiscountsSet: MoneyBag!
  currentTotalDutiesSet: MoneyBag currentTotalPriceSet: MoneyBag! currentTotalTaxSet: MoneyBag!
  currentTotalWeight: UnsignedInt64! customAttributes: [Attribute!]! customer: Customer
  customerAcceptsMarketing: Boolean! customerLocale: String discountCode: String
  discountCodes: [String!]! displayAddress: MailingAddress
  displayFinancialStatus: OrderDisplayFinancialStatus
  displayFulfillmentStatus: OrderDisplayFulfillmentStatus! dutiesIncluded: Boolean! edited: Boolean!
  email: String estimatedTaxes: Boolean! fulfillable: Boolean!
  fulfillments(first: Int, query: String): [Fulfillment!]! fullyPaid: Boolean!
  hasTimelineComment: Boolean! id: ID! landingPageDisplayText: String @deprecated
  landingPageUrl: URL @deprecated legacyResourceId: UnsignedInt64!
  lineItems({PAGE_ARGS}, reverse: Boolean): LineItemConnection! merchantEditable: Boolean!
  merchantEditableErrors: [String!]! name: String! netPayment: Money! @deprecated
  netPaymentSet: MoneyBag! nonFulfillableLineItems({PAGE_ARGS}, reverse: Boolean): LineItemConnection!
  note: String number: Int! originalTotalAdditionalFeesSet: MoneyBag originalTotalDutiesSet: MoneyBag
  originalTotalPriceSet: MoneyBag! paymentGatewayNames: [String!]! phone: String poNumber: String
  presentmentCurrencyCode: CurrencyCode! processedAt: DateTime! productNetwork: Boolean!
  referralCode: String @deprecated referrerDisplayText: String @deprecated referrerUrl: URL @deprecated
  refundDiscrepancySet: MoneyBag! refundable: Boolean! refunds(first: Int): [Refund!]!
  registeredSourceUrl: URL requiresShipping: Boolean! restockable: Boolean!
  returnStatus: OrderReturnStatus! riskLevel: OrderRiskLevel! @deprecated shippingAddress: MailingAddress
  sourceIdentifier: String sourceName: String
  statusPageUrl(audience: Audience, notificationUsage: NotificationUsage): URL!
  subtotalLineItemsQuantity: Int! subtotalPrice: Money @deprecated subtotalPriceSet: MoneyBag
  tags: [String!]! taxExempt: Boolean! taxesIncluded: Boolean! test: Boolean!
  totalCapturable: Money! @deprecated totalCapturableSet: MoneyBag! totalDiscounts: Money @deprecated
  totalDiscountsSet: MoneyBag totalOutstandingSet: MoneyBag! totalPrice: Money! @deprecated
  totalPriceSet: MoneyBag! totalReceived: Money! @deprecated totalReceivedSet: MoneyBag!
  totalRefunded: Money! @deprecated totalRefundedSet: MoneyBag! totalRefundedShippingSet: MoneyBag!
  totalShippingPrice: Money! @deprecated totalShippingPriceSet: MoneyBag! totalTax: Money @deprecated
  totalTaxSet: MoneyBag totalTipReceived: MoneyV2! @deprecated totalTipReceivedSet: MoneyBag!
  totalWeight: UnsignedInt64
  transactions(capturable: Boolean, first: Int, manuallyResolvable: Boolean): [OrderTransaction!]!
  unpaid: Boolean! updatedAt: DateTime!
}}
type DraftOrderAppliedDiscount {{
  amount: Money! @deprecated amountSet: MoneyBag! amountV2: MoneyV2! @deprecated description: String!
  title: String value: Float! valueType: DraftOrderAppliedDiscountType!
}}
type DraftOrderLineItem implements Node {{
  appliedDiscount: DraftOrderAppliedDiscount approximateDiscountedUnitPriceSet: MoneyBag!
  bundleComponents: [DraftOrderLineItem!]! @deprecated components: [DraftOrderLineItem!]!
  custom: Boolean! customAttributes: [Attribute!]! discountedTotal: Money! @deprecated
  discountedTotalSet: MoneyBag! discountedUnitPrice: Money! @deprecated
  discountedUnitPriceSet: MoneyBag! @deprecated grams: Int @deprecated id: ID! isGiftCard: Boolean!
  name: String! originalTotal: Money! @deprecated originalTotalSet: MoneyBag!
  originalUnitPrice: Money! @deprecated originalUnitPriceSet: MoneyBag!
  originalUnitPriceWithCurrency: MoneyV2 priceOverride: MoneyV2 product: Product quantity: Int!
  requiresShipping: Boolean! sku: String taxable: Boolean! title: String!
  totalDiscount: Money! @deprecated totalDiscountSet: MoneyBag! uuid: String! variant: ProductVariant
  variantTitle: String vendor: String
}}
type DraftOrder implements LegacyInteroperability & Node {{
  acceptAutomaticDiscounts: Boolean allVariantPricesOverridden: Boolean!
  allowDiscountCodesInCheckout: Boolean! anyVariantPricesOverridden: Boolean!
  appliedDiscount: DraftOrderAppliedDiscount billingAddress: MailingAddress
  billingAddressMatchesShippingAddress: Boolean! completedAt: DateTime createdAt: DateTime!
  currencyCode: CurrencyCode! customAttributes: [Attribute!]! customer: Customer defaultCursor: String!
  discountCodes: [String!]! email: String hasTimelineComment: Boolean! id: ID!
  invoiceEmailTemplateSubject: String! invoiceSentAt: DateTime invoiceUrl: URL
  legacyResourceId: UnsignedInt64!
  lineItems({PAGE_ARGS}, reverse: Boolean): DraftOrderLineItemConnection!
  lineItemsSubtotalPrice: MoneyBag! marketName: String! @deprecated
  marketRegionCountryCode: CountryCode! @deprecated name: String! note2: String order: Order
  phone: String poNumber: String presentmentCurrencyCode: CurrencyCode! ready: Boolean!
  reserveInventoryUntil: DateTime shippingAddress: MailingAddress status: DraftOrderStatus!
  subtotalPrice: Money! @deprecated subtotalPriceSet: MoneyBag! tags: [String!]! taxExempt: Boolean!
  taxesIncluded: Boolean! totalDiscountsSet: MoneyBag! totalLineItemsPriceSet: MoneyBag!
  totalPrice: Money! @deprecated totalPriceSet: MoneyBag! totalQuantityOfLineItems: Int!
  totalShippingPrice: Money! @deprecated totalShippingPriceSet: MoneyBag! totalTax: Money! @deprecated
  totalTaxSet: MoneyBag! totalWeight: UnsignedInt64! transformerFingerprint: String updatedAt: DateTime!
  visibleToCustomer: Boolean!
}}
type SubscriptionLine {{
  concatenatedOriginContract: SubscriptionContract currentPrice: MoneyV2! customAttributes: [Attribute!]!
  id: ID! lineDiscountedPrice: MoneyV2! productId: ID quantity: Int! requiresShipping: Boolean!
  sellingPlanId: ID sellingPlanName: String sku: String taxable: Boolean! title: String! variantId: ID
  variantTitle: String
}}
type SubscriptionContract implements Node {{
  appAdminUrl: URL createdAt: DateTime! currencyCode: CurrencyCode! customAttributes: [Attribute!]!
  customer: Customer deliveryPrice: MoneyV2! id: ID!
  lastBillingAttemptErrorType: SubscriptionContractLastBillingErrorType
  lastPaymentStatus: SubscriptionContractLastPaymentStatus lineCount: Int! @deprecated
  lines({PAGE_ARGS}, reverse: Boolean): SubscriptionLineConnection! nextBillingDate: DateTime
  note: String orders({PAGE_ARGS}, reverse: Boolean): OrderConnection! originOrder: Order
  revisionId: UnsignedInt64! status: SubscriptionContractSubscriptionStatus! updatedAt: DateTime!
}}
"""

INPUTS = """
input AttributeInput {
  key: String! value: String!
}
input MailingAddressInput {
  address1: String address2: String city: String company: String country: String @deprecated
  countryCode: CountryCode firstName: String id: ID @deprecated lastName: String phone: String
  province: String @deprecated provinceCode: String zip: String
}
input RefundLineItemInput {
  lineItemId: ID! locationId: ID quantity: Int! restockType: RefundLineItemRestockType
}
input ShippingRefundInput {
  amount: Money fullRefund: Boolean
}
input OrderTransactionInput {
  amount: Money! gateway: String! kind: OrderTransactionKind! orderId: ID! parentId: ID
}
input RefundInput {
  allowOverRefunding: Boolean currency: CurrencyCode
  discrepancyReason: OrderAdjustmentInputDiscrepancyReason note: String notify: Boolean orderId: ID!
  processedAt: DateTime refundLineItems: [RefundLineItemInput!] shipping: ShippingRefundInput
  transactions: [OrderTransactionInput!]
}
input OrderInput {
  customAttributes: [AttributeInput!] email: String id: ID! note: String phone: String poNumber: String
  shippingAddress: MailingAddressInput tags: [String!]
}
input PurchasingEntityInput {
  customerId: ID
}
input DraftOrderAppliedDiscountInput {
  amount: Money @deprecated description: String title: String value: Float!
  valueType: DraftOrderAppliedDiscountType!
}
input DraftOrderLineItemInput {
  appliedDiscount: DraftOrderAppliedDiscountInput customAttributes: [AttributeInput!]
  generatePriceOverride: Boolean grams: Int @deprecated originalUnitPrice: Money @deprecated
  quantity: Int! requiresShipping: Boolean sku: String taxable: Boolean title: String uuid: String
  variantId: ID
}
input DraftOrderInput {
  acceptAutomaticDiscounts: Boolean allowDiscountCodesInCheckout: Boolean
  appliedDiscount: DraftOrderAppliedDiscountInput billingAddress: MailingAddressInput
  customAttributes: [AttributeInput!] customerId: ID @deprecated discountCodes: [String!] email: String
  lineItems: [DraftOrderLineItemInput!] marketRegionCountryCode: CountryCode @deprecated note: String
  phone: String poNumber: String presentmentCurrencyCode: CurrencyCode
  purchasingEntity: PurchasingEntityInput reserveInventoryUntil: DateTime sessionToken: String
  shippingAddress: MailingAddressInput sourceName: String tags: [String!] taxExempt: Boolean
  transformerFingerprint: String useCustomerDefaultAddress: Boolean visibleToCustomer: Boolean
}
input CustomerEmailMarketingConsentInput {
  consentUpdatedAt: DateTime marketingOptInLevel: CustomerMarketingOptInLevel
  marketingState: CustomerEmailMarketingState! sourceLocationId: ID
}
input CustomerEmailMarketingConsentUpdateInput {
  customerId: ID! emailMarketingConsent: CustomerEmailMarketingConsentInput!
}
input CustomerSmsMarketingConsentInput {
  consentUpdatedAt: DateTime marketingOptInLevel: CustomerMarketingOptInLevel
  marketingState: CustomerSmsMarketingState! sourceLocationId: ID
}
input CustomerSmsMarketingConsentUpdateInput {
  customerId: ID! smsMarketingConsent: CustomerSmsMarketingConsentInput!
}
input CustomerInput {
  addresses: [MailingAddressInput!] email: String
  emailMarketingConsent: CustomerEmailMarketingConsentInput firstName: String id: ID
  lastName: String locale: String multipassIdentifier: String note: String phone: String
  smsMarketingConsent: CustomerSmsMarketingConsentInput tags: [String!] taxExempt: Boolean
  taxExemptions: [TaxExemption!]
}
"""

PAYLOADS = """
type CustomerCreatePayload {
  customer: Customer userErrors: [UserError!]!
}
type RefundCreatePayload {
  order: Order refund: Refund userErrors: [UserError!]!
}
type OrderUpdatePayload {
  order: Order userErrors: [UserError!]!
}
type DraftOrderCreatePayload {
  draftOrder: DraftOrder userErrors: [UserError!]!
}
type DraftOrderCompletePayload {
  draftOrder: DraftOrder userErrors: [UserError!]!
}
type SubscriptionContractStatusUpdateUserError implements DisplayableError {
  code: SubscriptionContractStatusUpdateErrorCode field: [String!] message: String!
}
type SubscriptionContractCancelPayload {
  contract: SubscriptionContract userErrors: [SubscriptionContractStatusUpdateUserError!]!
}
type CustomerEmailMarketingConsentUpdateUserError implements DisplayableError {
  code: CustomerEmailMarketingConsentUpdateUserErrorCode field: [String!] message: String!
}
type CustomerEmailMarketingConsentUpdatePayload {
  customer: Customer userErrors: [CustomerEmailMarketingConsentUpdateUserError!]!
}
type CustomerSmsMarketingConsentError implements DisplayableError {
  code: CustomerSmsMarketingConsentErrorCode field: [String!] message: String!
}
type CustomerSmsMarketingConsentUpdatePayload {
  customer: Customer userErrors: [CustomerSmsMarketingConsentError!]!
}
"""

ROOTS = f"""
type QueryRoot {{
  shop: Shop! customer(id: ID!): Customer
  customers({PAGE_ARGS}, query: String, reverse: Boolean, sortKey: CustomerSortKeys): CustomerConnection!
  order(id: ID!): Order
  orders(
    {PAGE_ARGS} query: String reverse: Boolean savedSearchId: ID sortKey: OrderSortKeys
  ): OrderConnection! draftOrder(id: ID!): DraftOrder
  draftOrders(
    {PAGE_ARGS} query: String reverse: Boolean savedSearchId: ID sortKey: DraftOrderSortKeys
  ): DraftOrderConnection!
  productVariants(
    {PAGE_ARGS} query: String reverse: Boolean savedSearchId: ID sortKey: ProductVariantSortKeys
  ): ProductVariantConnection! subscriptionContract(id: ID!): SubscriptionContract
  subscriptionContracts(
    {PAGE_ARGS} query: String reverse: Boolean sortKey: SubscriptionContractsSortKeys
  ): SubscriptionContractConnection! node(id: ID!): Node nodes(ids: [ID!]!): [Node]!
}}

type Mutation {{
  refundCreate(input: RefundInput!): RefundCreatePayload
  orderUpdate(input: OrderInput!): OrderUpdatePayload
  draftOrderCreate(input: DraftOrderInput!): DraftOrderCreatePayload
  draftOrderComplete(
    id: ID! paymentGatewayId: ID paymentPending: Boolean sourceName: String
  ): DraftOrderCompletePayload
  subscriptionContractCancel(subscriptionContractId: ID!): SubscriptionContractCancelPayload
  customerEmailMarketingConsentUpdate(
    input: CustomerEmailMarketingConsentUpdateInput!
  ): CustomerEmailMarketingConsentUpdatePayload
  customerSmsMarketingConsentUpdate(
    input: CustomerSmsMarketingConsentUpdateInput!
  ): CustomerSmsMarketingConsentUpdatePayload
  customerCreate(input: CustomerInput!): CustomerCreatePayload
}}
"""

SDL = SCALARS + ENUMS + OBJECTS + _connection_types() + INPUTS + PAYLOADS + ROOTS


@lru_cache(maxsize=2)
def build(with_idempotent: bool) -> GraphQLSchema:
    """The schema of a version with (2026-01+) or without the ``@idempotent`` directive."""
    return build_schema((IDEMPOTENT_DIRECTIVE if with_idempotent else "") + SDL)
