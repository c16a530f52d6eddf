//! Placing an order: its lines, their prices and the order's totals.

use crate::{Cents, InputError, OrderStatus, Overflow, ProductId, Quantity, UserId};

/// One requested line: which product and how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineRequest {
    /// The product ordered.
    pub product_id: ProductId,
    /// How many units.
    pub quantity: Quantity,
}

/// A validated request to place an order.
///
/// ```
/// use oms_domain::{LineRequest, NewOrder, OrderStatus, ProductId, Quantity, UserId};
///
/// let line = LineRequest { product_id: ProductId::new(7), quantity: Quantity::new(2).unwrap() };
/// let order = NewOrder::new(UserId::new(1), None, vec![line]).unwrap();
/// assert_eq!(order.status(), OrderStatus::Pending);
/// assert!(NewOrder::new(UserId::new(1), None, vec![]).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder {
    user_id: UserId,
    status: OrderStatus,
    lines: Vec<LineRequest>,
}

impl NewOrder {
    /// The most lines one order may hold.
    pub const MAX_LINES: usize = 100;

    /// Checks the line count; the status defaults to `pending`.
    pub fn new(
        user_id: UserId,
        status: Option<OrderStatus>,
        lines: Vec<LineRequest>,
    ) -> Result<Self, InputError> {
        if lines.is_empty() || lines.len() > Self::MAX_LINES {
            return Err(InputError::rule(format!(
                "must hold between 1 and {} lines (got {})",
                Self::MAX_LINES,
                lines.len()
            )));
        }
        Ok(Self {
            user_id,
            status: status.unwrap_or(OrderStatus::Pending),
            lines,
        })
    }

    /// Who places the order.
    pub fn user_id(&self) -> UserId {
        self.user_id
    }

    /// The status the order starts in.
    pub fn status(&self) -> OrderStatus {
        self.status
    }

    /// The requested lines, in request order.
    pub fn lines(&self) -> &[LineRequest] {
        &self.lines
    }

    /// The distinct products the order names, sorted.
    pub fn product_ids(&self) -> Vec<ProductId> {
        let mut ids: Vec<ProductId> = self.lines.iter().map(|line| line.product_id).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// Prices every line with `price_of` (the products' current prices) and totals
    /// the order. Fails on the first line whose product has no price, or when an
    /// amount would overflow.
    pub fn price<F>(&self, mut price_of: F) -> Result<PricedOrder, PricingError>
    where
        F: FnMut(ProductId) -> Option<Cents>,
    {
        let missing: Vec<ProductId> = self
            .product_ids()
            .into_iter()
            .filter(|&id| price_of(id).is_none())
            .collect();
        if !missing.is_empty() {
            return Err(PricingError::UnknownProducts(missing));
        }
        let lines: Vec<PricedLine> = self
            .lines
            .iter()
            .map(|line| PricedLine {
                product_id: line.product_id,
                quantity: line.quantity,
                unit_price: price_of(line.product_id).unwrap_or_default(),
            })
            .collect();
        let totals = OrderTotals::of(&lines).map_err(|_| PricingError::Overflow)?;
        Ok(PricedOrder { lines, totals })
    }
}

/// Why an order could not be priced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PricingError {
    /// These products do not exist.
    #[error("no product with id {}", join_ids(.0))]
    UnknownProducts(Vec<ProductId>),
    /// A line amount or the order total does not fit in 64 bits.
    #[error("the order total does not fit in a 64-bit integer number of cents")]
    Overflow,
}

fn join_ids(ids: &[ProductId]) -> String {
    ids.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A line with the price its product had when the order was placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PricedLine {
    /// The product.
    pub product_id: ProductId,
    /// How many units.
    pub quantity: Quantity,
    /// The price of one unit at purchase time.
    pub unit_price: Cents,
}

impl PricedLine {
    /// `quantity × unit_price`, or [`Overflow`].
    pub fn amount(&self) -> Result<Cents, Overflow> {
        self.unit_price.times(self.quantity)
    }
}

/// An order ready to be written: its priced lines and their totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedOrder {
    /// The lines, in request order.
    pub lines: Vec<PricedLine>,
    /// Σ amounts and Σ quantities of the lines.
    pub totals: OrderTotals,
}

/// The money and units of an order (or of many orders).
///
/// ```
/// use oms_domain::{Cents, OrderTotals, PricedLine, ProductId, Quantity};
///
/// let lines = [
///     PricedLine { product_id: ProductId::new(1), quantity: Quantity::new(2).unwrap(), unit_price: Cents::new(249_999) },
///     PricedLine { product_id: ProductId::new(2), quantity: Quantity::new(1).unwrap(), unit_price: Cents::new(1_000) },
/// ];
/// let totals = OrderTotals::of(&lines).unwrap();
/// assert_eq!(totals.amount, Cents::new(500_998));
/// assert_eq!(totals.quantity, 3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OrderTotals {
    /// Σ quantity × unit price.
    pub amount: Cents,
    /// Σ quantity.
    pub quantity: i64,
}

impl OrderTotals {
    /// Totals `lines`, refusing to overflow.
    pub fn of(lines: &[PricedLine]) -> Result<Self, Overflow> {
        lines.iter().try_fold(Self::default(), |acc, line| {
            Ok(Self {
                amount: acc.amount.checked_add(line.amount()?)?,
                quantity: acc
                    .quantity
                    .checked_add(i64::from(line.quantity.get()))
                    .ok_or(Overflow)?,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(product: i64, quantity: i64) -> LineRequest {
        LineRequest {
            product_id: ProductId::new(product),
            quantity: Quantity::new(quantity).unwrap(),
        }
    }

    fn order(lines: Vec<LineRequest>) -> NewOrder {
        NewOrder::new(UserId::new(1), None, lines).unwrap()
    }

    #[test]
    fn totals_sum_every_line_including_repeated_products() {
        let priced = order(vec![line(1, 2), line(2, 1), line(1, 3)])
            .price(|id| Some(Cents::new(id.get() * 100)))
            .unwrap();
        assert_eq!(priced.lines.len(), 3);
        assert_eq!(priced.totals.amount, Cents::new(2 * 100 + 200 + 3 * 100));
        assert_eq!(priced.totals.quantity, 6);
    }

    #[test]
    fn free_products_total_zero() {
        let priced = order(vec![line(1, 5)])
            .price(|_| Some(Cents::ZERO))
            .unwrap();
        assert_eq!(
            priced.totals,
            OrderTotals {
                amount: Cents::ZERO,
                quantity: 5
            }
        );
    }

    #[test]
    fn a_line_amount_that_overflows_is_an_error() {
        let result =
            order(vec![line(1, 1_000_000)]).price(|_| Some(Cents::new(i64::MAX / 999_999)));
        assert_eq!(result, Err(PricingError::Overflow));
    }

    #[test]
    fn a_sum_that_overflows_is_an_error_even_when_each_line_fits() {
        let result = order(vec![line(1, 1), line(2, 1)]).price(|_| Some(Cents::new(i64::MAX)));
        assert_eq!(result, Err(PricingError::Overflow));
    }

    #[test]
    fn the_largest_order_that_fits_is_exact() {
        let lines = vec![line(1, 1_000_000); 100];
        let unit = i64::MAX / 100_000_000;
        let priced = order(lines).price(|_| Some(Cents::new(unit))).unwrap();
        assert_eq!(priced.totals.amount, Cents::new(unit * 100_000_000));
        assert_eq!(priced.totals.quantity, 100_000_000);
    }

    #[test]
    fn unknown_products_are_all_named_once() {
        let result = order(vec![line(3, 1), line(9, 1), line(3, 2), line(4, 1)])
            .price(|id| (id.get() == 4).then_some(Cents::new(1)));
        assert_eq!(
            result,
            Err(PricingError::UnknownProducts(vec![
                ProductId::new(3),
                ProductId::new(9)
            ]))
        );
        assert_eq!(result.unwrap_err().to_string(), "no product with id 3, 9");
    }

    #[test]
    fn line_count_is_bounded() {
        assert!(NewOrder::new(UserId::new(1), None, vec![]).is_err());
        assert!(NewOrder::new(UserId::new(1), None, vec![line(1, 1); 100]).is_ok());
        let err = NewOrder::new(UserId::new(1), None, vec![line(1, 1); 101]).unwrap_err();
        assert_eq!(err.message, "must hold between 1 and 100 lines (got 101)");
    }

    #[test]
    fn status_defaults_to_pending_and_can_be_chosen() {
        assert_eq!(order(vec![line(1, 1)]).status(), OrderStatus::Pending);
        let paid =
            NewOrder::new(UserId::new(1), Some(OrderStatus::Paid), vec![line(1, 1)]).unwrap();
        assert_eq!(paid.status(), OrderStatus::Paid);
    }

    #[test]
    fn quantity_bounds() {
        for ok in [1, 500, 1_000_000] {
            assert_eq!(i64::from(Quantity::new(ok).unwrap().get()), ok);
        }
        for bad in [0, -1, 1_000_001, i64::MAX, i64::MIN] {
            assert!(Quantity::new(bad).is_err(), "{bad}");
        }
    }
}
