#!/bin/sh
# init-roles.sh - docker-entrypoint-initdb.d hook of the postgres image: creates the service
# roles and schemas (init-roles.sql) with passwords from the environment. Runs once, when
# the data volume is first initialised.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v pw_identity="$IDENTITY_DB_PASSWORD" \
    -v pw_catalog="$CATALOG_DB_PASSWORD" \
    -v pw_inventory="$INVENTORY_DB_PASSWORD" \
    -v pw_cart="$CART_DB_PASSWORD" \
    -v pw_orders="$ORDERS_DB_PASSWORD" \
    -v pw_payments="$PAYMENTS_DB_PASSWORD" \
    -v pw_fulfillment="$FULFILLMENT_DB_PASSWORD" \
    -v pw_notifications="$NOTIFICATIONS_DB_PASSWORD" \
    -f /etc/store/init-roles.sql
