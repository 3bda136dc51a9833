"use client";
import { useRouter } from "next/navigation";
import { useEffect } from "react";
import { Loading } from "@/components/ui";
import { useAuth } from "@/lib/auth";

export default function Home() {
  const { state } = useAuth();
  const router = useRouter();
  useEffect(() => {
    if (state.status === "signed-in") router.replace("/projects/");
    if (state.status === "signed-out") router.replace("/login/");
  }, [state.status, router]);
  return <Loading what="TestAble" />;
}
