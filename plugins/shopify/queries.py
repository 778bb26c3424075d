"""The GraphQL documents the plugin sends (Admin API field and type names).

Page sizes are chosen so that no document exceeds Shopify's 1000-point single-query cap:
an order with its line items, fulfillments and refunds costs about 160 points, so
orders come five to a page.
"""

from __future__ import annotations

ORDERS_PER_PAGE = 5
SUBSCRIPTIONS_PER_PAGE = 50
CUSTOMERS_PER_SEARCH = 25
# A name search is fuzzy (``#1-A`` also finds ``#12-A``): ask for several hits, so the exact one
# is compared client-side and a second exact one (two orders named ``#1001``) is seen, not hidden.
ORDERS_PER_NAME_SEARCH = 5

ADDRESS = (
    "name firstName lastName company address1 address2 city province provinceCode zip country countryCodeV2 "
    "phone"
)
MONEY = "shopMoney { amount currencyCode }"

CUSTOMER = f"""
id firstName lastName email phone createdAt
defaultEmailAddress {{ emailAddress marketingState }}
defaultPhoneNumber {{ phoneNumber marketingState }}
emailMarketingConsent {{ marketingState marketingOptInLevel consentUpdatedAt }}
smsMarketingConsent {{ marketingState marketingOptInLevel consentUpdatedAt }}
amountSpent {{ amount currencyCode }}
numberOfOrders
lastOrder {{ id createdAt }}
defaultAddress {{ {ADDRESS} }}
"""

ORDER = f"""
id name email createdAt cancelledAt tags
displayFinancialStatus displayFulfillmentStatus
customer {{ id }}
totalPriceSet {{ {MONEY} }}
totalRefundedSet {{ {MONEY} }}
lineItems(first: 20) {{ nodes {{
  id title name sku quantity
  originalUnitPriceSet {{ {MONEY} }}
  variant {{ id sku }}
  sellingPlan {{ name sellingPlanId }}
}} }}
shippingAddress {{ {ADDRESS} }}
billingAddress {{ {ADDRESS} }}
fulfillments(first: 5) {{ status createdAt trackingInfo(first: 3) {{ company number url }} }}
refunds(first: 10) {{ id createdAt note totalRefundedSet {{ {MONEY} }} }}
"""

SUBSCRIPTION = """
id status createdAt nextBillingDate
customer { id }
lines(first: 5) { nodes { title sku quantity currentPrice { amount currencyCode } } }
"""

FIND_CUSTOMERS = f"""
query FindCustomers($query: String!, $first: Int!) {{
  customers(first: $first, query: $query) {{ nodes {{ {CUSTOMER} }} }}
}}
"""

GET_CUSTOMER = f"""
query GetCustomer($id: ID!) {{ customer(id: $id) {{ {CUSTOMER} }} }}
"""

CUSTOMER_ORDERS = f"""
query CustomerOrders($id: ID!, $first: Int!, $after: String) {{
  customer(id: $id) {{
    orders(first: $first, after: $after, sortKey: CREATED_AT, reverse: true) {{
      nodes {{ {ORDER} }}
      pageInfo {{ hasNextPage endCursor }}
    }}
  }}
}}
"""

GET_ORDER = f"""
query GetOrder($id: ID!) {{ order(id: $id) {{ {ORDER} }} }}
"""

FIND_ORDER_BY_NAME = f"""
query FindOrderByName($query: String!, $first: Int!) {{
  orders(first: $first, query: $query) {{ nodes {{ {ORDER} }} }}
}}
"""

# What a refund needs beyond the order: the payments to refund against.
ORDER_FOR_REFUND = f"""
query OrderForRefund($id: ID!) {{
  order(id: $id) {{
    {ORDER}
    transactions(first: 20) {{ id kind status gateway amountSet {{ {MONEY} }} parentTransaction {{ id }} }}
  }}
}}
"""

REFUND_CREATE_IDEMPOTENT = f"""
mutation RefundCreate($input: RefundInput!, $key: String!) {{
  refundCreate(input: $input) @idempotent(key: $key) {{
    refund {{ id createdAt note totalRefundedSet {{ {MONEY} }} }}
    userErrors {{ field message }}
  }}
}}
"""

REFUND_CREATE = f"""
mutation RefundCreate($input: RefundInput!) {{
  refundCreate(input: $input) {{
    refund {{ id createdAt note totalRefundedSet {{ {MONEY} }} }}
    userErrors {{ field message }}
  }}
}}
"""

CUSTOMER_SUBSCRIPTIONS = f"""
query CustomerSubscriptions($id: ID!, $first: Int!, $after: String) {{
  customer(id: $id) {{
    subscriptionContracts(first: $first, after: $after) {{
      nodes {{ {SUBSCRIPTION} }}
      pageInfo {{ hasNextPage endCursor }}
    }}
  }}
}}
"""

GET_SUBSCRIPTION = f"""
query GetSubscription($id: ID!) {{ subscriptionContract(id: $id) {{ {SUBSCRIPTION} }} }}
"""

CANCEL_SUBSCRIPTION = f"""
mutation CancelSubscription($id: ID!) {{
  subscriptionContractCancel(subscriptionContractId: $id) {{
    contract {{ {SUBSCRIPTION} }}
    userErrors {{ field message code }}
  }}
}}
"""

UPDATE_ORDER_ADDRESS = f"""
mutation UpdateOrderAddress($input: OrderInput!) {{
  orderUpdate(input: $input) {{
    order {{ {ORDER} }}
    userErrors {{ field message }}
  }}
}}
"""

VARIANTS_BY_SKU = """
query VariantsBySku($query: String!, $first: Int!) {
  productVariants(first: $first, query: $query) { nodes { id sku title price product { title } } }
}
"""

# ``note2``: in 2026-01 a draft order's note is ``note2`` (``DraftOrder.note`` is gone and asking
# for it fails the whole query); the input side is still ``DraftOrderInput.note``.
DRAFT_ORDERS_BY_TAG = f"""
query DraftOrdersByTag($query: String!) {{
  draftOrders(first: 5, query: $query) {{ nodes {{ id status note2 tags order {{ {ORDER} }} }} }}
}}
"""

CUSTOMER_CREATE = """
mutation CustomerCreate($input: CustomerInput!) {
  customerCreate(input: $input) {
    customer { id }
    userErrors { field message }
  }
}
"""

DRAFT_ORDER_CREATE = f"""
mutation DraftOrderCreate($input: DraftOrderInput!) {{
  draftOrderCreate(input: $input) {{
    draftOrder {{ id name status invoiceUrl totalPriceSet {{ {MONEY} }} }}
    userErrors {{ field message }}
  }}
}}
"""

DRAFT_ORDER_COMPLETE = f"""
mutation DraftOrderComplete($id: ID!) {{
  draftOrderComplete(id: $id, paymentPending: false) {{
    draftOrder {{ id status order {{ {ORDER} }} }}
    userErrors {{ field message }}
  }}
}}
"""

EMAIL_CONSENT_UPDATE = f"""
mutation EmailConsent($input: CustomerEmailMarketingConsentUpdateInput!) {{
  customerEmailMarketingConsentUpdate(input: $input) {{
    customer {{ {CUSTOMER} }}
    userErrors {{ field message code }}
  }}
}}
"""

SMS_CONSENT_UPDATE = f"""
mutation SmsConsent($input: CustomerSmsMarketingConsentUpdateInput!) {{
  customerSmsMarketingConsentUpdate(input: $input) {{
    customer {{ {CUSTOMER} }}
    userErrors {{ field message code }}
  }}
}}
"""
