"""The emulator's GraphQL schema: the subset of the Admin API the hub uses, with Shopify's names.

Type, field, argument and enum names follow shopify.dev, so a query with a misspelled field or a
wrong argument fails validation here as it does on Shopify. Versions from 2026-01 declare the
``@idempotent(key:)`` directive; older ones do not, so using it there is an "unknown directive".
"""

from __future__ import annotations

from functools import lru_cache

import phonenumbers
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


def _country_codes() -> str:
    return " ".join(sorted(code for code in phonenumbers.SUPPORTED_REGIONS if code.isalpha()))


SDL = f"""
schema {{ query: QueryRoot mutation: Mutation }}

scalar DateTime
scalar Decimal
scalar Money
scalar UnsignedInt64
scalar URL

enum CurrencyCode {{ USD CAD EUR GBP AUD NZD }}
enum CountryCode {{ {_country_codes()} }}
enum OrderDisplayFinancialStatus {{
  PENDING AUTHORIZED PARTIALLY_PAID PAID PARTIALLY_REFUNDED REFUNDED VOIDED EXPIRED
}}
enum OrderDisplayFulfillmentStatus {{
  UNFULFILLED PARTIALLY_FULFILLED FULFILLED RESTOCKED PENDING_FULFILLMENT OPEN IN_PROGRESS ON_HOLD SCHEDULED
}}
enum FulfillmentStatus {{ SUCCESS CANCELLED ERROR FAILURE OPEN PENDING }}
enum FulfillmentDisplayStatus {{
  ATTEMPTED_DELIVERY CANCELED CONFIRMED DELIVERED FAILURE FULFILLED IN_TRANSIT LABEL_PRINTED
  LABEL_PURCHASED OUT_FOR_DELIVERY READY_FOR_PICKUP
}}
enum OrderTransactionKind {{
  SALE CAPTURE AUTHORIZATION VOID REFUND CHANGE EMV_AUTHORIZATION SUGGESTED_REFUND
}}
enum OrderTransactionStatus {{ SUCCESS FAILURE PENDING ERROR AWAITING_RESPONSE UNKNOWN }}
enum CustomerEmailMarketingState {{ NOT_SUBSCRIBED PENDING SUBSCRIBED UNSUBSCRIBED REDACTED INVALID }}
enum CustomerEmailAddressMarketingState {{ NOT_SUBSCRIBED PENDING SUBSCRIBED UNSUBSCRIBED INVALID }}
enum CustomerSmsMarketingState {{ NOT_SUBSCRIBED PENDING SUBSCRIBED UNSUBSCRIBED REDACTED }}
enum CustomerMarketingOptInLevel {{ SINGLE_OPT_IN CONFIRMED_OPT_IN UNKNOWN }}
enum CustomerConsentCollectedFrom {{ SHOPIFY OTHER }}
enum SubscriptionContractSubscriptionStatus {{ ACTIVE PAUSED CANCELLED EXPIRED FAILED }}
enum DraftOrderStatus {{ OPEN INVOICE_SENT COMPLETED }}
enum DraftOrderAppliedDiscountType {{ PERCENTAGE FIXED_AMOUNT }}
enum RefundLineItemRestockType {{ NO_RESTOCK CANCEL RETURN LEGACY_RESTOCK }}
enum OrderSortKeys {{ CREATED_AT PROCESSED_AT ID TOTAL_PRICE UPDATED_AT ORDER_NUMBER }}
enum CustomerSortKeys {{ CREATED_AT ID NAME UPDATED_AT RELEVANCE }}
enum SubscriptionContractStatusUpdateErrorCode {{ INVALID CONTRACT_DOES_NOT_EXIST }}
enum CustomerEmailMarketingConsentUpdateUserErrorCode {{ INVALID INCLUSION INTERNAL_ERROR MISSING_ARGUMENT }}
enum CustomerSmsMarketingConsentErrorCode {{ INVALID INCLUSION INTERNAL_ERROR MISSING_ARGUMENT }}

type PageInfo {{ hasNextPage: Boolean! hasPreviousPage: Boolean! startCursor: String endCursor: String }}
type MoneyV2 {{ amount: Decimal! currencyCode: CurrencyCode! }}
type MoneyBag {{ shopMoney: MoneyV2! presentmentMoney: MoneyV2! }}
type Attribute {{ key: String! value: String }}
type UserError {{ field: [String!] message: String! }}

type MailingAddress {{
  id: ID! name: String firstName: String lastName: String company: String
  address1: String address2: String city: String province: String provinceCode: String
  zip: String country: String countryCodeV2: CountryCode phone: String
}}

type Shop {{ id: ID! name: String! myshopifyDomain: String! currencyCode: CurrencyCode! }}

type CustomerEmailAddress {{ emailAddress: String! marketingState: CustomerEmailAddressMarketingState! }}
type CustomerPhoneNumber {{ phoneNumber: String! marketingState: CustomerSmsMarketingState! }}
type CustomerEmailMarketingConsentState {{
  marketingState: CustomerEmailMarketingState! marketingOptInLevel: CustomerMarketingOptInLevel
  consentUpdatedAt: DateTime
}}
type CustomerSmsMarketingConsentState {{
  marketingState: CustomerSmsMarketingState! marketingOptInLevel: CustomerMarketingOptInLevel!
  consentUpdatedAt: DateTime consentCollectedFrom: CustomerConsentCollectedFrom
}}

type Customer {{
  id: ID! legacyResourceId: UnsignedInt64! firstName: String lastName: String displayName: String!
  email: String @deprecated(reason: "Use `defaultEmailAddress.emailAddress` instead.")
  phone: String @deprecated(reason: "Use `defaultPhoneNumber.phoneNumber` instead.")
  defaultEmailAddress: CustomerEmailAddress
  defaultPhoneNumber: CustomerPhoneNumber
  emailMarketingConsent: CustomerEmailMarketingConsentState
  smsMarketingConsent: CustomerSmsMarketingConsentState
  amountSpent: MoneyV2!
  numberOfOrders: UnsignedInt64!
  lastOrder: Order
  defaultAddress: MailingAddress
  createdAt: DateTime! updatedAt: DateTime! tags: [String!]! note: String
  orders({PAGE_ARGS}, sortKey: OrderSortKeys, reverse: Boolean, query: String): OrderConnection!
  subscriptionContracts({PAGE_ARGS}): SubscriptionContractConnection!
}}

type Product {{ id: ID! title: String! }}
type ProductVariant {{
  id: ID! legacyResourceId: UnsignedInt64! sku: String title: String! displayName: String!
  price: Money! product: Product!
}}

type LineItemSellingPlan {{ name: String! sellingPlanId: ID }}
type LineItem {{
  id: ID! title: String! name: String! sku: String quantity: Int! currentQuantity: Int!
  refundableQuantity: Int!
  originalUnitPriceSet: MoneyBag! variant: ProductVariant sellingPlan: LineItemSellingPlan
}}

type FulfillmentTrackingInfo {{ company: String number: String url: URL }}
type Fulfillment {{
  id: ID! status: FulfillmentStatus! displayStatus: FulfillmentDisplayStatus createdAt: DateTime!
  trackingInfo(first: Int): [FulfillmentTrackingInfo!]!
}}

type RefundLineItem {{ lineItem: LineItem! quantity: Int! restockType: RefundLineItemRestockType! }}
type Refund {{
  id: ID! createdAt: DateTime note: String totalRefundedSet: MoneyBag!
  refundLineItems({PAGE_ARGS}): RefundLineItemConnection!
}}

type OrderTransaction {{
  id: ID! kind: OrderTransactionKind! status: OrderTransactionStatus! gateway: String
  amountSet: MoneyBag! createdAt: DateTime! parentTransaction: OrderTransaction
}}

type Order {{
  id: ID! legacyResourceId: UnsignedInt64! name: String! email: String
  createdAt: DateTime! processedAt: DateTime! cancelledAt: DateTime updatedAt: DateTime!
  tags: [String!]! note: String customAttributes: [Attribute!]! currencyCode: CurrencyCode!
  displayFinancialStatus: OrderDisplayFinancialStatus
  displayFulfillmentStatus: OrderDisplayFulfillmentStatus!
  customer: Customer
  totalPriceSet: MoneyBag! currentTotalPriceSet: MoneyBag! totalRefundedSet: MoneyBag!
  lineItems({PAGE_ARGS}): LineItemConnection!
  shippingAddress: MailingAddress billingAddress: MailingAddress
  fulfillments(first: Int): [Fulfillment!]!
  refunds(first: Int): [Refund!]!
  transactions(first: Int): [OrderTransaction!]!
}}

type DraftOrderAppliedDiscount {{
  value: Float! valueType: DraftOrderAppliedDiscountType! title: String description: String
}}
type DraftOrderLineItem {{
  id: ID! title: String! sku: String quantity: Int! originalUnitPriceSet: MoneyBag! variant: ProductVariant
}}
type DraftOrder {{
  id: ID! legacyResourceId: UnsignedInt64! name: String! status: DraftOrderStatus! invoiceUrl: URL
  email: String phone: String note: String tags: [String!]! createdAt: DateTime! completedAt: DateTime
  customAttributes: [Attribute!]! discountCodes: [String!]!
  appliedDiscount: DraftOrderAppliedDiscount
  customer: Customer shippingAddress: MailingAddress order: Order
  subtotalPriceSet: MoneyBag! totalPriceSet: MoneyBag!
  lineItems({PAGE_ARGS}): DraftOrderLineItemConnection!
}}

type SubscriptionLine {{
  id: ID! title: String! sku: String quantity: Int! currentPrice: MoneyV2! variantId: ID
}}
type SubscriptionContract {{
  id: ID! status: SubscriptionContractSubscriptionStatus! createdAt: DateTime! updatedAt: DateTime!
  nextBillingDate: DateTime customer: Customer
  lines({PAGE_ARGS}): SubscriptionLineConnection!
}}

{_connection_types()}

type QueryRoot {{
  shop: Shop!
  customer(id: ID!): Customer
  customers({PAGE_ARGS}, query: String, sortKey: CustomerSortKeys, reverse: Boolean): CustomerConnection!
  order(id: ID!): Order
  orders({PAGE_ARGS}, query: String, sortKey: OrderSortKeys, reverse: Boolean): OrderConnection!
  draftOrder(id: ID!): DraftOrder
  draftOrders({PAGE_ARGS}, query: String, reverse: Boolean): DraftOrderConnection!
  productVariants({PAGE_ARGS}, query: String): ProductVariantConnection!
  subscriptionContract(id: ID!): SubscriptionContract
  subscriptionContracts({PAGE_ARGS}): SubscriptionContractConnection!
}}

input AttributeInput {{ key: String! value: String! }}
input MailingAddressInput {{
  address1: String address2: String city: String company: String countryCode: CountryCode
  firstName: String lastName: String phone: String provinceCode: String zip: String
}}
input RefundLineItemInput {{
  lineItemId: ID! quantity: Int! restockType: RefundLineItemRestockType locationId: ID
}}
input ShippingRefundInput {{ amount: Money fullRefund: Boolean }}
input OrderTransactionInput {{
  orderId: ID! parentId: ID amount: Money! gateway: String! kind: OrderTransactionKind!
}}
input RefundInput {{
  orderId: ID! note: String notify: Boolean currency: CurrencyCode
  refundLineItems: [RefundLineItemInput!] shipping: ShippingRefundInput
  transactions: [OrderTransactionInput!] allowOverRefunding: Boolean processedAt: DateTime
}}
input OrderInput {{
  id: ID! email: String note: String tags: [String!] shippingAddress: MailingAddressInput
  customAttributes: [AttributeInput!]
}}
input PurchasingEntityInput {{ customerId: ID }}
input DraftOrderAppliedDiscountInput {{
  value: Float! valueType: DraftOrderAppliedDiscountType! title: String description: String amount: Money
}}
input DraftOrderLineItemInput {{
  variantId: ID quantity: Int! title: String originalUnitPrice: Money sku: String
  appliedDiscount: DraftOrderAppliedDiscountInput
}}
input DraftOrderInput {{
  customerId: ID @deprecated(reason: "Use `purchasingEntity` instead.")
  purchasingEntity: PurchasingEntityInput
  email: String phone: String note: String tags: [String!]
  shippingAddress: MailingAddressInput billingAddress: MailingAddressInput
  lineItems: [DraftOrderLineItemInput!] appliedDiscount: DraftOrderAppliedDiscountInput
  customAttributes: [AttributeInput!] discountCodes: [String!]
}}
input CustomerEmailMarketingConsentInput {{
  marketingState: CustomerEmailMarketingState! marketingOptInLevel: CustomerMarketingOptInLevel
  consentUpdatedAt: DateTime
}}
input CustomerEmailMarketingConsentUpdateInput {{
  customerId: ID! emailMarketingConsent: CustomerEmailMarketingConsentInput!
}}
input CustomerSmsMarketingConsentInput {{
  marketingState: CustomerSmsMarketingState! marketingOptInLevel: CustomerMarketingOptInLevel
  consentUpdatedAt: DateTime
}}
input CustomerSmsMarketingConsentUpdateInput {{
  customerId: ID! smsMarketingConsent: CustomerSmsMarketingConsentInput!
}}

type RefundCreatePayload {{ refund: Refund order: Order userErrors: [UserError!]! }}
type OrderUpdatePayload {{ order: Order userErrors: [UserError!]! }}
type DraftOrderCreatePayload {{ draftOrder: DraftOrder userErrors: [UserError!]! }}
type DraftOrderCompletePayload {{ draftOrder: DraftOrder userErrors: [UserError!]! }}
type SubscriptionContractStatusUpdateUserError {{
  field: [String!] message: String! code: SubscriptionContractStatusUpdateErrorCode
}}
type SubscriptionContractStatusUpdatePayload {{
  contract: SubscriptionContract userErrors: [SubscriptionContractStatusUpdateUserError!]!
}}
type CustomerEmailMarketingConsentUpdateUserError {{
  field: [String!] message: String! code: CustomerEmailMarketingConsentUpdateUserErrorCode
}}
type CustomerEmailMarketingConsentUpdatePayload {{
  customer: Customer userErrors: [CustomerEmailMarketingConsentUpdateUserError!]!
}}
type CustomerSmsMarketingConsentError {{
  field: [String!] message: String! code: CustomerSmsMarketingConsentErrorCode
}}
type CustomerSmsMarketingConsentUpdatePayload {{
  customer: Customer userErrors: [CustomerSmsMarketingConsentError!]!
}}

type Mutation {{
  refundCreate(input: RefundInput!): RefundCreatePayload
  orderUpdate(input: OrderInput!): OrderUpdatePayload
  draftOrderCreate(input: DraftOrderInput!): DraftOrderCreatePayload
  draftOrderComplete(id: ID!, paymentPending: Boolean): DraftOrderCompletePayload
  subscriptionContractCancel(subscriptionContractId: ID!): SubscriptionContractStatusUpdatePayload
  customerEmailMarketingConsentUpdate(
    input: CustomerEmailMarketingConsentUpdateInput!
  ): CustomerEmailMarketingConsentUpdatePayload
  customerSmsMarketingConsentUpdate(
    input: CustomerSmsMarketingConsentUpdateInput!
  ): CustomerSmsMarketingConsentUpdatePayload
}}
"""


@lru_cache(maxsize=2)
def build(with_idempotent: bool) -> GraphQLSchema:
    """The schema of a version with (2026-01+) or without the ``@idempotent`` directive."""
    return build_schema((IDEMPOTENT_DIRECTIVE if with_idempotent else "") + SDL)
