"""Each EVM blockchain's chain id (EIP-155) and the name of its native unit, as the pages show it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Chain:
    chain_id: int
    unit: str
    name: str


CHAINS: dict[str, Chain] = {
    "ETH": Chain(1, "ETH", "Ethereum"),
    "ETH-SEPOLIA": Chain(11155111, "ETH", "Ethereum Sepolia (testnet)"),
    "MATIC": Chain(137, "POL", "Polygon"),
    "MATIC-AMOY": Chain(80002, "POL", "Polygon Amoy (testnet)"),
    "BASE": Chain(8453, "ETH", "Base"),
    "BASE-SEPOLIA": Chain(84532, "ETH", "Base Sepolia (testnet)"),
    "ARB": Chain(42161, "ETH", "Arbitrum One"),
    "ARB-SEPOLIA": Chain(421614, "ETH", "Arbitrum Sepolia (testnet)"),
    "OP": Chain(10, "ETH", "OP Mainnet"),
    "OP-SEPOLIA": Chain(11155420, "ETH", "OP Sepolia (testnet)"),
    "AVAX": Chain(43114, "AVAX", "Avalanche C-Chain"),
    "AVAX-FUJI": Chain(43113, "AVAX", "Avalanche Fuji (testnet)"),
    "BSC": Chain(56, "BNB", "BNB Smart Chain"),
    "BSC-TESTNET": Chain(97, "BNB", "BNB Smart Chain (testnet)"),
}


def chain_of(blockchain: str) -> Chain:
    return CHAINS[blockchain]
