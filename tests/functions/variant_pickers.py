"""A variant picker for hand-written product pages: options with prices, one selected."""


def variant_list(selected_marker: str) -> str:
    """A size picker of three options, each with its price; the 500 ml one selected by
    `selected_marker`: class words, an ARIA state, or "checked" for a checked radio."""
    options = []
    for size, price in (("250 ml", "12,90"), ("500 ml", "19,90"), ("1 l", "34,90")):
        marker = selected_marker if size == "500 ml" else ""
        radio = "<input type=radio name=size checked>" if marker == "checked" else ""
        classes = f"variant-option {marker}" if " " not in marker and "=" not in marker else ""
        state = marker if "=" in marker else ""
        options.append(
            f'<li class="{classes or "variant-option"}" {state}><label>{radio}'
            f'<span class="variant-label">{size}</span>'
            f'<span class="variant-price">{price} €</span></label></li>'
        )
    return f'<ul class="product-variants">{"".join(options)}</ul>'
